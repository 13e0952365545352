import { rollback } from '../../api/rollback.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import type { LoadedDown } from '../../execute/check-downs.js';
import type { RollbackTarget } from '../../plan/plan-rollback.js';
import { allowOptions, projectOptions, type CommonFlags } from '../common-options.js';
import { warningTotals } from '../lint-lines.js';
import {
  acrossDatabases,
  databaseJson,
  databasesJson,
  databaseSuffix,
  describeDatabases,
  errorJson,
  formatMs,
  moduleDatabaseUrls,
  type Output,
  plural,
} from '../output.js';
import { oneModule } from '../one-module.js';
import { progressReporter } from '../progress.js';
import { loadFleet, type FleetFlags } from '../fleet-options.js';
import { loadProject } from '../../project/load-project.js';

export interface RollbackFlags extends CommonFlags, FleetFlags {
  readonly steps?: number;
  readonly to?: string;
  readonly cascade?: boolean;
  readonly dryRun?: boolean;
  readonly lastRun?: boolean;
}

/** `modkit rollback <module> [--steps N | --to ID] [--cascade] [--dry-run]`, or `modkit rollback --last-run`. */
export async function rollbackCommand(
  flags: RollbackFlags,
  output: Output,
  signal: AbortSignal,
  args: readonly string[],
): Promise<number> {
  const module = oneModule(
    args[0],
    flags.module,
    'rollback undoes one module at a time: run it once per module, dependents first (or the dependency alone with --cascade)',
  );
  if (flags.steps !== undefined && flags.to !== undefined)
    throw new UsageError('give either --steps N or --to ID, not both');
  const lastRun = flags.lastRun === true;
  if (lastRun && (flags.steps !== undefined || flags.to !== undefined || flags.cascade)) {
    throw new UsageError(
      '--last-run undoes exactly what the last migrate applied: it takes no module, --steps, --to or --cascade',
    );
  }
  const { modules: _selection, ...options } = projectOptions(flags);
  const target: RollbackTarget = flags.to !== undefined ? { to: flags.to } : { steps: flags.steps ?? 1 };
  const { config, targets } = await loadFleet(flags);
  if (targets) {
    const request = {
      ...(module !== undefined ? { module, target, cascade: flags.cascade === true } : {}),
      ...(lastRun ? { lastRun } : {}),
      dryRun: flags.dryRun === true,
      allow: allowOptions(flags),
    };
    return (await import('./fleet.js')).rollbackFleetCommand(
      flags,
      output,
      signal,
      await loadProject({ ...options, config }),
      targets,
      request,
    );
  }
  const progress = progressReporter(output);
  let warnings = 0;
  const report = await rollback({
    ...options,
    config,
    ...(module !== undefined ? { module, target, cascade: flags.cascade === true } : {}),
    ...(lastRun ? { lastRun } : {}),
    dryRun: flags.dryRun === true,
    allow: allowOptions(flags),
    signal,
    onEvent: (event) => {
      if (event.type === 'warning') warnings++;
      progress(event);
    },
  });
  output.clearProgress();
  output.line(describeDatabases(report.database, report.databases));
  const { plan, result } = report;
  const suffix = databaseSuffix(report.databases);
  const urls = moduleDatabaseUrls(report.databases);
  const steps = report.downs.map((d) => ({ ...stepJson(d, report.dryRun), database: urls.get(d.step.module) }));
  if (plan.steps.length === 0 && lastRun) {
    output.line('Nothing to roll back: no migrate run recorded in these history tables has applied anything.');
  } else if (plan.steps.length === 0) {
    output.line(
      plan.applied === 0
        ? `Nothing to roll back: module "${module}" has no applied migrations.`
        : `Nothing to roll back: module "${module}" is already at ${'to' in target ? target.to : 'the requested point'}.`,
    );
  } else if (report.dryRun) {
    output.line(
      `Would roll back ${plural(plan.steps.length, 'migration')}${lastRun ? ` of the last run (${(plan as { runId?: string }).runId})` : ''}, in this order:`,
    );
    for (const [i, d] of report.downs.entries()) {
      output.line(
        `${String(i + 1).padStart(4)}. ${d.step.module} ${d.step.id}${d.step.reason === 'cascade' ? '  (--cascade: depends on ' + module + ')' : ''}  ${d.body.file ?? '(inline)'}${suffix(d.step.module)}`,
      );
      if (d.body.format === 'sql') output.line(indent(d.body.sql.trimEnd()));
    }
  } else if (result) {
    const width = Math.max(0, ...result.results.map((r) => r.module.length));
    const idWidth = Math.max(0, ...result.results.map((r) => r.id.length));
    for (const r of result.results)
      output.line(
        `${r.status === 'reverted' ? ' ' : '!'} ${r.module.padEnd(width)}  ${r.id.padEnd(idWidth)}  ${r.status === 'reverted' ? formatMs(r.durationMs) : r.status}${suffix(r.module)}`,
      );
    const reverted = result.results.filter((r) => r.status === 'reverted').length;
    const touched = report.databases.filter((g) => result.results.some((r) => g.modules.includes(r.module)));
    output.line(
      `Rolled back ${plural(reverted, 'migration')} in ${plural(new Set(result.results.map((r) => r.module)).size, 'module')}${acrossDatabases(touched)} (${formatMs(result.durationMs)})`,
    );
  }
  // As migrate: the warning lines scrolled by above the per-migration lines, so their count ends the output.
  const totals = warningTotals([], warnings);
  if (totals) output.line(totals);
  const exitCode = result?.error ? result.error.exitCode : EXIT_CODES.ok;
  output.document('rollback', exitCode, {
    database: databaseJson(report.database),
    databases: databasesJson(report.databases),
    module: module ?? null,
    ...(lastRun ? { lastRun: (plan as { runId?: string }).runId ?? null } : {}),
    dryRun: report.dryRun,
    steps,
    migrations: (result?.results ?? []).map((r) => ({ ...r, database: urls.get(r.module) })),
    summary: result
      ? {
          reverted: result.results.filter((r) => r.status === 'reverted').length,
          durationMs: result.durationMs,
          lockWaitedMs: result.lockWaitedMs,
        }
      : null,
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
