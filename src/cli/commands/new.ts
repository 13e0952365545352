import { createMigration, type NewMigrationFormat } from '../../api/new-migration.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import { UNFINISHED_MARKER } from '../../modules/unfinished.js';
import type { CommonFlags } from '../common-options.js';
import type { Output } from '../output.js';

export interface NewFlags extends CommonFlags {
  readonly sql?: boolean;
  readonly ts?: boolean;
}

/** `modkit new <module> <name> [--sql | --ts]`: write the module's next migration. No database. */
export async function newCommand(
  flags: NewFlags,
  output: Output,
  _signal: AbortSignal,
  args: readonly string[],
): Promise<number> {
  if (flags.sql && flags.ts) throw new UsageError('give either --sql or --ts, not both');
  const format: NewMigrationFormat = flags.ts ? 'ts' : 'sql';
  const [module, ...words] = args;
  const report = await createMigration({
    ...(flags.config ? { configPath: flags.config } : {}),
    module: module!,
    name: words.join(' '),
    format,
  });
  for (const file of report.files) output.line(`Created ${file}`);
  output.line(
    format === 'ts'
      ? `Next: write up() and down(), then delete the "${UNFINISHED_MARKER}" line. Until then modkit refuses to run (exit 2), so the migration is never applied unfinished.`
      : 'Next: write the SQL of the up and of the down. Until the up holds a statement modkit refuses to run (exit 2), so the migration is never applied unfinished.',
  );
  output.document('new', EXIT_CODES.ok, { module: report.module, id: report.id, format, files: report.files });
  return EXIT_CODES.ok;
}
