import { baseline, baselineAll } from '../../api/baseline.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import { compareIds } from '../../modules/migration-files.js';
import type { BaselinePlan } from '../../plan/plan-baseline.js';
import { projectOptions, type CommonFlags } from '../common-options.js';
import { oneModule } from '../one-module.js';
import {
  databaseJson,
  databasesJson,
  databaseSuffix,
  describeDatabases,
  moduleDatabaseUrls,
  type Output,
  plural,
} from '../output.js';
import { progressReporter } from '../progress.js';
import { parseStopAt } from '../to-option.js';
import { loadFleet, type FleetFlags } from '../fleet-options.js';
import { loadProject } from '../../project/load-project.js';

export interface BaselineFlags extends CommonFlags, FleetFlags {
  /** `--to ID` / `--to MODULE=ID` (repeatable). */
  readonly to?: string[];
  readonly all?: boolean;
}

/**
 * `modkit baseline <module> --to ID` (or `--module M --to ID`): record one module's migrations as
 * applied without running them; `modkit baseline --all [--module M…] [--to MODULE=ID…]`: every
 * selected module, each at its latest migration or its `--to`.
 */
export async function baselineCommand(
  flags: BaselineFlags,
  output: Output,
  signal: AbortSignal,
  args: readonly string[],
): Promise<number> {
  if (flags.all) return baselineAllCommand(flags, output, signal, args);
  const module = oneModule(
    args[0],
    flags.module,
    'baseline without --all records one module: use --all --module M… for several',
  );
  if (module === undefined)
    throw new UsageError(
      'name the module to baseline (modkit baseline MODULE --to ID), or give --all to baseline every module',
    );
  const to = parseStopAt(flags.to, [module]) ?? {};
  const others = Object.keys(to).filter((m) => m !== module);
  if (others.length > 0)
    throw new UsageError(
      `--to names ${others.map((m) => `"${m}"`).join(', ')}, but only "${module}" is baselined: use --all to baseline several modules`,
    );
  if (to[module] === undefined) {
    throw new UsageError(
      `give --to ID, the newest migration of "${module}" to record (or --all, which records every module at its latest)`,
    );
  }
  const { modules: _selection, ...options } = projectOptions(flags);
  const { config, targets } = await loadFleet(flags);
  if (targets) {
    const project = await loadProject({ ...options, config });
    return (await import('./fleet.js')).baselineFleetCommand(flags, output, signal, project, targets, {
      module,
      to: to[module],
    });
  }
  const report = await baseline({
    ...options,
    config,
    module,
    to: to[module],
    signal,
    onEvent: progressReporter(output),
  });
  const { plan } = report;
  output.line(describeDatabases(report.project.config.database, report.databases));
  for (const line of planLines(plan)) output.line(line);
  output.line(
    plan.record.length === 0
      ? `Nothing to record: module "${module}" already has every migration up to ${plan.to}.`
      : `Recorded ${plural(plan.record.length, 'migration')} of "${module}" as applied up to ${plan.to}, without running them.`,
  );
  output.document('baseline', EXIT_CODES.ok, {
    database: databaseJson(report.database),
    databases: databasesJson(report.databases),
    ...planJson(plan),
  });
  return EXIT_CODES.ok;
}

async function baselineAllCommand(
  flags: BaselineFlags,
  output: Output,
  signal: AbortSignal,
  args: readonly string[],
): Promise<number> {
  if (args[0] !== undefined)
    throw new UsageError(
      `--all baselines every selected module: leave out "${args[0]}", or narrow --all with --module ${args[0]}`,
    );
  const to = parseStopAt(flags.to, flags.module);
  const { config, targets } = await loadFleet(flags);
  if (targets) {
    const project = await loadProject({ ...projectOptions(flags), config });
    const request = { all: true as const, ...(flags.module ? { modules: flags.module } : {}), ...(to ? { to } : {}) };
    return (await import('./fleet.js')).baselineFleetCommand(flags, output, signal, project, targets, request);
  }
  const report = await baselineAll({
    ...projectOptions(flags),
    config,
    ...(to ? { to } : {}),
    signal,
    onEvent: progressReporter(output),
  });
  output.line(describeDatabases(report.database, report.databases));
  const suffix = databaseSuffix(report.databases);
  for (const plan of report.plans) for (const line of planLines(plan)) output.line(`${line}${suffix(plan.module)}`);
  const without = report.modules.filter((m) => !report.plans.some((p) => p.module === m));
  if (without.length > 0) output.line(`  no migrations: ${without.join(', ')}`);
  const recorded = report.plans.reduce((n, p) => n + p.record.length, 0);
  const modules = report.plans.filter((p) => p.record.length > 0).length;
  output.line(
    recorded === 0
      ? `Nothing to record: ${plural(report.plans.length, 'module')} already ${report.plans.length === 1 ? 'has' : 'have'} every migration up to ${report.plans.length === 1 ? 'its' : 'their'} target recorded.`
      : `Recorded ${plural(recorded, 'migration')} of ${plural(modules, 'module')} as applied, without running them.`,
  );
  const urls = moduleDatabaseUrls(report.databases);
  output.document('baseline', EXIT_CODES.ok, {
    database: databaseJson(report.database),
    databases: databasesJson(report.databases),
    all: true,
    modules: report.plans.map((p) => ({ ...planJson(p), database: urls.get(p.module) })),
    withoutMigrations: without,
    summary: { recorded, modules },
  });
  return EXIT_CODES.ok;
}

/** One line per migration up to the target, in id order. */
function planLines(plan: BaselinePlan): string[] {
  const recorded = new Set(plan.record);
  return [...plan.record, ...plan.skip]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((m) =>
      recorded.has(m) ? `  recorded  ${plan.module} ${m.id}` : `  skipped   ${plan.module} ${m.id} (already recorded)`,
    );
}

function planJson(plan: BaselinePlan): Record<string, unknown> {
  return {
    module: plan.module,
    to: plan.to,
    table: plan.table,
    recorded: plan.record.map((m) => ({ id: m.id, checksum: m.checksum, ...(m.file ? { file: m.file } : {}) })),
    skipped: plan.skip.map((m) => m.id),
  };
}
