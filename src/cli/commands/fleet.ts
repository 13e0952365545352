import type { FleetTarget } from '../../fleet/resolve-targets.js';
import { inspectFleet } from '../../fleet/inspect-fleet.js';
import { migrateFleet, type FleetMigrateDetail } from '../../fleet/migrate-fleet.js';
import { rollbackFleet } from '../../fleet/rollback-fleet.js';
import { baselineFleet, type BaselineFleetRequest, type FleetBaselineDetail } from '../../fleet/baseline-fleet.js';
import { repairFleet, type FleetRepairDetail } from '../../fleet/repair-fleet.js';
import type { RepairOptions } from '../../api/repair.js';
import { validationError } from '../../execute/db-phase.js';
import { EXIT_CODES, ModkitError, mostSevereExitCode } from '../../errors.js';
import type { RollbackOptions } from '../../api/rollback.js';
import type { MigrationPlan } from '../../plan/types.js';
import type { StopAt } from '../../plan/stop-at.js';
import type { Project } from '../../project/load-project.js';
import { allowOptions, type CommonFlags } from '../common-options.js';
import { fleetOptions, type FleetFlags } from '../fleet-options.js';
import { fleetReporter } from '../fleet-reporter.js';
import { type Output, plural } from '../output.js';
import { describeLintFinding } from '../progress.js';
import type { EventSink, LintEventFinding } from '../../execute/types.js';
import { warningTotals } from '../lint-lines.js';
import type { MigrateFlags } from './migrate.js';

/** `modkit migrate --only` over a fleet. */
export async function migrateFleetCommand(
  flags: MigrateFlags & FleetFlags,
  output: Output,
  signal: AbortSignal,
  project: Project,
  targets: readonly FleetTarget[],
  to?: StopAt,
): Promise<number> {
  let applied = 0;
  const reporter = fleetReporter(
    output,
    'migrate',
    (d: FleetMigrateDetail) => (d.applied === 0 ? 'up to date' : `applied ${plural(d.applied, 'migration')}`),
    (d) => ({ applied: d.applied, lockWaitedMs: d.lockWaitedMs, migrations: d.migrations, problems: d.problems }),
    (d) => (d.applied > 0 ? `${plural(d.applied, 'migration')} applied before it` : undefined),
  );
  reporter.start(targets.length);
  const lint = lintWarningsOnce(output);
  const { summary } = await migrateFleet(project, targets, {
    ...fleetOptions(flags, signal),
    ...(flags.module ? { modules: flags.module } : {}),
    allow: allowOptions(flags),
    ...(flags.txMode ? { txMode: flags.txMode } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.lint === false ? { lint: false } : {}),
    ...(to ? { to } : {}),
    onEvent: lint.onEvent,
    onTarget: (outcome) => {
      applied += outcome.detail?.applied ?? 0;
      reporter.onTarget(outcome);
    },
  });
  reporter.finish(summary, { text: `${plural(applied, 'migration')} applied`, json: { applied } });
  const totals = warningTotals(lint.findings());
  if (totals) output.line(totals);
  return summary.exitCode;
}

/** `status`, `plan` and `validate` over a fleet: read-only, one line per target. */
export async function inspectFleetCommand(
  command: 'status' | 'plan' | 'validate',
  flags: CommonFlags & FleetFlags & { readonly exitCode?: boolean },
  output: Output,
  signal: AbortSignal,
  project: Project,
  targets: readonly FleetTarget[],
  fileProblems: readonly string[] = [],
  to?: StopAt,
): Promise<number> {
  let pending = 0;
  let behind = 0;
  const judge = (plan: MigrationPlan): ModkitError | undefined => {
    if (command === 'validate') return plan.blocking.length > 0 ? validationError(plan.blocking) : undefined;
    if (command === 'status' && flags.exitCode && (plan.pendingCount > 0 || plan.problems.length > 0)) {
      return new ModkitError(
        'validation',
        `not up to date: ${plural(plan.pendingCount, 'pending migration')}, ${plural(plan.problems.length, 'problem')}`,
      );
    }
    return undefined;
  };
  const reporter = fleetReporter(
    output,
    command,
    (plan: MigrationPlan) =>
      plan.pendingCount === 0 && plan.problems.length === 0
        ? 'up to date'
        : `${plural(plan.pendingCount, 'pending migration')}${plan.problems.length > 0 ? `, ${plural(plan.problems.length, 'problem')}` : ''}`,
    (plan) => ({
      upToDate: plan.pendingCount === 0 && plan.problems.length === 0,
      pendingCount: plan.pendingCount,
      pending: plan.modules
        .filter((m) => m.pending.length > 0)
        .map((m) => ({ module: m.module.name, ids: m.pending.map((p) => p.id) })),
      problems: plan.problems,
    }),
  );
  reporter.start(targets.length);
  const { summary } = await inspectFleet(project, targets, {
    ...fleetOptions(flags, signal),
    ...(flags.module ? { modules: flags.module } : {}),
    allow: allowOptions(flags),
    ...(to ? { to } : {}),
    judge,
    onTarget: (outcome) => {
      pending += outcome.detail?.pendingCount ?? 0;
      if (outcome.detail && (outcome.detail.pendingCount > 0 || outcome.detail.problems.length > 0)) behind += 1;
      reporter.onTarget(outcome);
    },
  });
  for (const p of fileProblems) output.line(`problem [file] ${p}`);
  const exitCode = mostSevereExitCode([summary.exitCode, fileProblems.length > 0 ? EXIT_CODES.usage : EXIT_CODES.ok]);
  reporter.finish(
    { ...summary, exitCode },
    {
      text: `${plural(behind, 'target')} behind, ${plural(pending, 'pending migration')} in all`,
      json: { behind, pendingCount: pending, ...(command === 'validate' ? { fileProblems } : {}) },
    },
  );
  return exitCode;
}

/** `rollback` over a fleet: the same request on every target. */
export async function rollbackFleetCommand(
  flags: CommonFlags & FleetFlags,
  output: Output,
  signal: AbortSignal,
  project: Project,
  targets: readonly FleetTarget[],
  request: Omit<RollbackOptions, 'signal'>,
): Promise<number> {
  let reverted = 0;
  const reporter = fleetReporter(
    output,
    'rollback',
    (d: { plan: { steps: readonly unknown[] }; result?: { results: readonly { status: string }[] } }) =>
      request.dryRun
        ? `would roll back ${plural(d.plan.steps.length, 'migration')}`
        : d.plan.steps.length === 0
          ? 'nothing to roll back'
          : `rolled back ${plural(d.result?.results.filter((r) => r.status === 'reverted').length ?? 0, 'migration')}`,
    (d) => ({ steps: d.plan.steps, migrations: d.result?.results ?? [] }),
  );
  reporter.start(targets.length);
  const { summary } = await rollbackFleet(project, targets, {
    ...request,
    ...fleetOptions(flags, signal),
    onTarget: (outcome) => {
      reverted += outcome.detail?.result?.results.filter((r) => r.status === 'reverted').length ?? 0;
      reporter.onTarget(outcome);
    },
  });
  reporter.finish(summary, { text: `${plural(reverted, 'migration')} rolled back`, json: { reverted } });
  return summary.exitCode;
}

/** `baseline` (one module, or `--all`) over a fleet: the same request on every target. */
export async function baselineFleetCommand(
  flags: CommonFlags & FleetFlags,
  output: Output,
  signal: AbortSignal,
  project: Project,
  targets: readonly FleetTarget[],
  request: BaselineFleetRequest,
): Promise<number> {
  let recorded = 0;
  const count = (d: FleetBaselineDetail) => d.plans.reduce((n, p) => n + p.record.length, 0);
  const reporter = fleetReporter(
    output,
    'baseline',
    (d: FleetBaselineDetail) => (count(d) === 0 ? 'nothing to record' : `recorded ${plural(count(d), 'migration')}`),
    (d) => ({
      recorded: count(d),
      lockWaitedMs: d.lockWaitedMs,
      modules: d.plans.map((p) => ({
        module: p.module,
        to: p.to,
        recorded: p.record.map((m) => m.id),
        skipped: p.skip.map((m) => m.id),
      })),
    }),
  );
  reporter.start(targets.length);
  const { summary } = await baselineFleet(project, targets, {
    ...request,
    ...fleetOptions(flags, signal),
    onTarget: (outcome) => {
      recorded += outcome.detail ? count(outcome.detail) : 0;
      reporter.onTarget(outcome);
    },
  });
  reporter.finish(summary, {
    text: `${plural(recorded, 'migration')} recorded as applied, none run`,
    json: { recorded },
  });
  return summary.exitCode;
}

/** `repair` over a fleet: each target repaired from its own history. */
export async function repairFleetCommand(
  flags: CommonFlags & FleetFlags,
  output: Output,
  signal: AbortSignal,
  project: Project,
  targets: readonly FleetTarget[],
  request: Pick<RepairOptions, 'modules' | 'retry'>,
): Promise<number> {
  let rows = 0;
  const reporter = fleetReporter(
    output,
    'repair',
    (d: FleetRepairDetail) =>
      d.plan.changes.length === 0 && d.plan.upgrades.length === 0
        ? 'nothing to repair'
        : `repaired ${plural(d.plan.changes.length, 'row')}${d.plan.upgrades.length > 0 ? `, upgraded ${plural(d.plan.upgrades.length, 'table')}` : ''}`,
    (d) => ({
      changes: d.plan.changes,
      upgrades: d.plan.upgrades,
      missing: d.plan.missing,
      lockWaitedMs: d.lockWaitedMs,
    }),
  );
  reporter.start(targets.length);
  const { summary } = await repairFleet(project, targets, {
    ...request,
    ...fleetOptions(flags, signal),
    onTarget: (outcome) => {
      rows += outcome.detail?.plan.changes.length ?? 0;
      reporter.onTarget(outcome);
    },
  });
  reporter.finish(summary, { text: `${plural(rows, 'row')} repaired`, json: { repaired: rows } });
  return summary.exitCode;
}

/**
 * Every target lints the same pending files: each warning is printed once for the fleet (a lint
 * error refuses each target it concerns, and is in that target's error); `findings` are the
 * distinct findings of all targets, for the counts the run ends with.
 */
function lintWarningsOnce(output: Output): { onEvent: EventSink; findings(): LintEventFinding[] } {
  const seen = new Map<string, LintEventFinding>();
  const onEvent: EventSink = (event) => {
    if (event.type !== 'lint') return;
    for (const f of event.findings) {
      const key = `${f.module}\0${f.id}\0${f.line}\0${f.rule}\0${f.message}`;
      if (seen.has(key)) continue;
      seen.set(key, f);
      if (f.severity !== 'warn') continue;
      output.clearProgress();
      output.warn(describeLintFinding(f));
    }
  };
  return { onEvent, findings: () => [...seen.values()] };
}
