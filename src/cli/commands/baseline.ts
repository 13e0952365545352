import { baseline } from '../../api/baseline.js';
import { EXIT_CODES } from '../../errors.js';
import { projectOptions, type CommonFlags } from '../common-options.js';
import { databaseJson, databasesJson, describeDatabases, type Output, plural } from '../output.js';
import { progressReporter } from '../progress.js';

export interface BaselineFlags extends CommonFlags {
  /** Required by commander (`requiredOption`). */
  readonly to?: string;
}

/** `modkit baseline <module> --to ID`: record migrations as applied without running them. */
export async function baselineCommand(flags: BaselineFlags, output: Output, signal: AbortSignal, args: readonly string[]): Promise<number> {
  const module = args[0]!;
  const report = await baseline({ ...projectOptions(flags), module, to: flags.to!, signal, onEvent: progressReporter(output) });
  const { plan } = report;
  output.line(describeDatabases(report.project.config.database, report.databases));
  for (const m of plan.record) output.line(`  recorded  ${module} ${m.id}`);
  for (const m of plan.skip) output.line(`  skipped   ${module} ${m.id} (already recorded)`);
  output.line(
    plan.record.length === 0
      ? `Nothing to record: module "${module}" already has every migration up to ${plan.to}.`
      : `Recorded ${plural(plan.record.length, 'migration')} of "${module}" as applied up to ${plan.to}, without running them.`,
  );
  output.document('baseline', EXIT_CODES.ok, {
    database: databaseJson(report.database),
    databases: databasesJson(report.databases),
    module,
    to: plan.to,
    table: plan.table,
    recorded: plan.record.map((m) => ({ id: m.id, checksum: m.checksum, ...(m.file ? { file: m.file } : {}) })),
    skipped: plan.skip.map((m) => m.id),
  });
  return EXIT_CODES.ok;
}
