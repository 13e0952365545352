import { scrubSecret } from '../db/connection-errors.js';
import { messageOf, ModkitError } from '../errors.js';
import type { Migration } from '../modules/types.js';
import type { Direction } from './load-body.js';

export interface MigrationFailure {
  readonly migration: Migration;
  readonly direction: Direction;
  readonly file?: string;
  readonly line?: number;
  readonly transactional: boolean;
  readonly url: string;
  readonly error: unknown;
}

/** The one-paragraph message of a failed migration: what, where, the database's words, what next. */
export function migrationFailedError(failure: MigrationFailure): ModkitError {
  const { migration, direction, file, line, transactional } = failure;
  const dbMessage = scrubSecret(messageOf(failure.error), failure.url);
  const code = (failure.error as { code?: unknown })?.code;
  const where = file ? ` (${file}${line ? `, line ${line}` : ''})` : '';
  const verb = direction === 'up' ? 'Migration' : 'Rollback of migration';
  const aftermath = transactional
    ? 'It was rolled back and the run stopped there.'
    : `It ran outside a transaction, so statements before the failing one stay applied and module "${migration.module}" is now dirty: ` +
      `check the database; if you finish the change by hand, run \`modkit repair --module ${migration.module}\`, ` +
      `if you undo it, run \`modkit repair --module ${migration.module} --retry\` so that migrate runs it again.`;
  const next =
    code === '25001' // active_sql_transaction: e.g. CREATE INDEX CONCURRENTLY inside a transaction
      ? 'This statement cannot run inside a transaction: put `-- modkit:no-transaction` on the first line of the file (or `export const transaction = false` in a script), then run migrate again.'
      : direction === 'up'
        ? 'Fix the migration and run migrate again: it resumes from this migration.'
        : 'Fix the down migration and run rollback again.';
  return new ModkitError(
    'migration-failed',
    `${verb} ${migration.module}/${migration.id}${where} failed: ${dbMessage}${typeof code === 'string' ? ` [${code}]` : ''}. ${aftermath} ${next}`,
    {
      cause: failure.error,
      details: {
        module: migration.module,
        id: migration.id,
        direction,
        transactional,
        ...(file ? { file } : {}),
        ...(line ? { line } : {}),
        databaseMessage: dbMessage,
        ...(typeof code === 'string' ? { databaseCode: code } : {}),
      },
    },
  );
}
