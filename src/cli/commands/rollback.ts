import { rollback } from '../../api/rollback.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import type { LoadedDown } from '../../execute/check-downs.js';
import type { RollbackTarget } from '../../plan/plan-rollback.js';
import { allowOptions, projectOptions, type CommonFlags } from '../common-options.js';
import { databaseJson, describeDatabase, errorJson, formatMs, type Output, plural } from '../output.js';
import { progressReporter } from '../progress.js';

export interface RollbackFlags extends CommonFlags {
  readonly steps?: number;
  readonly to?: string;
  readonly cascade?: boolean;
  readonly dryRun?: boolean;
}

/** `modkit rollback <module> [--steps N | --to ID] [--cascade] [--dry-run]`. */
export async function rollbackCommand(flags: RollbackFlags, output: Output, signal: AbortSignal, args: readonly string[]): Promise<number> {
  const module = args[0]!;
  if (flags.steps !== undefined && flags.to !== undefined) throw new UsageError('give either --steps N or --to ID, not both');
  const target: RollbackTarget = flags.to !== undefined ? { to: flags.to } : { steps: flags.steps ?? 1 };
  const report = await rollback({
    ...projectOptions(flags),
    module,
    target,
    cascade: flags.cascade === true,
    dryRun: flags.dryRun === true,
    allow: allowOptions(flags),
    signal,
    onEvent: progressReporter(output),
  });
  output.clearProgress();
  output.line(describeDatabase(report.database));
  const { plan, result } = report;
  const steps = report.downs.map((d) => stepJson(d, report.dryRun));
  if (plan.steps.length === 0) {
    output.line(
      plan.applied === 0
        ? `Nothing to roll back: module "${module}" has no applied migrations.`
        : `Nothing to roll back: module "${module}" is already at ${'to' in target ? target.to : 'the requested point'}.`,
    );
  } else if (report.dryRun) {
    output.line(`Would roll back ${plural(plan.steps.length, 'migration')}, in this order:`);
    for (const [i, d] of report.downs.entries()) {
      output.line(`${String(i + 1).padStart(4)}. ${d.step.module} ${d.step.id}${d.step.reason === 'cascade' ? '  (--cascade: depends on ' + module + ')' : ''}  ${d.body.file ?? '(inline)'}`);
      if (d.body.format === 'sql') output.line(indent(d.body.sql.trimEnd()));
    }
  } else if (result) {
    const width = Math.max(0, ...result.results.map((r) => r.module.length));
    const idWidth = Math.max(0, ...result.results.map((r) => r.id.length));
    for (const r of result.results) output.line(`${r.status === 'reverted' ? ' ' : '!'} ${r.module.padEnd(width)}  ${r.id.padEnd(idWidth)}  ${r.status === 'reverted' ? formatMs(r.durationMs) : r.status}`);
    const reverted = result.results.filter((r) => r.status === 'reverted').length;
    output.line(`Rolled back ${plural(reverted, 'migration')} in ${plural(new Set(result.results.map((r) => r.module)).size, 'module')} (${formatMs(result.durationMs)})`);
  }
  const exitCode = result?.error ? result.error.exitCode : EXIT_CODES.ok;
  output.document('rollback', exitCode, {
    database: databaseJson(report.database),
    module,
    dryRun: report.dryRun,
    steps,
    migrations: result?.results ?? [],
    summary: result ? { reverted: result.results.filter((r) => r.status === 'reverted').length, durationMs: result.durationMs, lockWaitedMs: result.lockWaitedMs } : null,
    error: result?.error ? errorJson(result.error) : null,
  });
  if (result?.error) output.error(result.error);
  return exitCode;
}

function stepJson({ step, body }: LoadedDown, withSql: boolean): Record<string, unknown> {
  return {
    module: step.module,
    id: step.id,
    reason: step.reason,
    format: body.format,
    transactional: body.transactional,
    ...(body.file ? { file: body.file } : {}),
    ...(withSql && body.format === 'sql' ? { sql: body.sql } : {}),
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
}
