import { groupByDatabase, type DatabaseGroup } from '../config/database-groups.js';
import type { DatabaseTarget } from '../config/types.js';
import { newRunId } from '../util/run-id.js';
import { ModkitError, UsageError } from '../errors.js';
import { checkDowns, type LoadedDown } from '../execute/check-downs.js';
import { withLockedSession } from '../execute/locked-session.js';
import { readHistoriesReadOnly, type ReadOnlyOpener } from '../execute/read-histories-read-only.js';
import { databaseOf } from '../config/module-databases.js';
import { refuseTransactionControl } from '../execute/refuse-transaction-control.js';
import { runRollback } from '../execute/run-rollback.js';
import type { ApplyResult, EventSink } from '../execute/types.js';
import { dependentsOf } from '../graph/module-graph.js';
import { planMigrations } from '../plan/plan-migrations.js';
import { planLastRun } from '../plan/plan-last-run.js';
import { planRollback, type RollbackPlan, type RollbackRequest } from '../plan/plan-rollback.js';
import type { AllowOptions, ModuleHistory } from '../plan/types.js';
import { loadProject, type LoadProjectOptions, type Project } from '../project/load-project.js';
import type { OperationPlacement } from './options.js';

export interface RollbackOptions extends LoadProjectOptions, Omit<RollbackRequest, 'module'> {
  /** The module to roll back (with `target` and `cascade`) … */
  readonly module?: string;
  /** … or everything the most recent migrate run applied, across modules (`--last-run`). */
  readonly lastRun?: boolean;
  /** Plan and check (downs present, no blocking dependents) without writing anything. */
  readonly dryRun?: boolean;
  /** `drift`: undo a migration even though its file changed after it was applied. */
  readonly allow?: AllowOptions;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

export interface RollbackReport {
  readonly project: Project;
  /** The default database. */
  readonly database: DatabaseTarget;
  /** The databases of the module and its dependents, in lock order, each with its modules. */
  readonly databases: readonly DatabaseGroup[];
  readonly plan: RollbackPlan;
  /** Each step with its loaded down body (for `--dry-run` to print the SQL). */
  readonly downs: readonly LoadedDown[];
  readonly dryRun: boolean;
  /** Absent for a dry run. */
  readonly result?: ApplyResult & { readonly lockWaitedMs: number };
}

/**
 * `modkit rollback` as a library call: plans (newest first, dependents first with `cascade`),
 * refuses before anything runs when dependents are applied (exit 2), a down is missing (exit 2)
 * or a touched module is dirty or drifted (exit 4), then runs each down in its own transaction
 * under the migration lock. A failed down is reported in `result.error` next to what completed.
 *
 * @example
 * ```ts
 * import { rollback } from 'modkit';
 * const { result } = await rollback({ configPath: 'modkit.config.ts', module: 'billing', target: { steps: 1 } });
 * if (result?.error) throw result.error;
 * ```
 */
export async function rollback(options: RollbackOptions): Promise<RollbackReport> {
  checkRollbackRequest(options);
  return rollbackProject(await loadProject(options), options);
}

/** The refusals that need no project: a module or --last-run, and what goes with each. */
export function checkRollbackRequest(options: RollbackOptions): void {
  const { module, lastRun } = options;
  if ((module === undefined) === (lastRun !== true))
    throw new UsageError('name the module to roll back, or pass --last-run (not both)');
  if (lastRun && (options.target || options.cascade))
    throw new UsageError(
      '--last-run undoes exactly what the last migrate applied: it takes no --steps, --to or --cascade',
    );
}

/** Where a rollback runs when it is not the project's own databases (a fleet target), and how it opens them. */
export interface RollbackPlacement extends OperationPlacement {
  readonly openReadOnly?: ReadOnlyOpener;
}

/** The same, for a project already loaded (a fleet rolls back each target with one project). */
export async function rollbackProject(
  project: Project,
  options: RollbackOptions,
  where?: RollbackPlacement,
): Promise<RollbackReport> {
  const { module } = options;
  const placement = where?.placement ?? project.config;
  const database = placement.database;
  // The module and every dependent (a cascade may touch them), or every module for --last-run, in
  // system-first order; an unknown module is a usage error from dependentsOf, before any database is opened.
  const touched = new Set(
    module === undefined ? project.modules.map((m) => m.name) : [module, ...dependentsOf(project.nodes, module)],
  );
  const involved = project.modules.map((m) => m.name).filter((m) => touched.has(m));
  const prepare = async (histories: ReadonlyMap<string, ModuleHistory>) => {
    const plan =
      module === undefined
        ? planLastRun(project.order.stop, project.byName, histories, (m) => dependentsOf(project.nodes, m))
        : planRollback(project.nodes, project.byName, histories, { ...options, module });
    refuseUnsafe(project, plan, histories, options.allow);
    const downs = await checkDowns(plan.steps);
    const engineOf = (module: string) => databaseOf(placement, module).engine;
    const steps = downs.map(({ step, body }) => ({
      migration: step.migration!,
      direction: 'down' as const,
      engine: engineOf(step.module),
      body,
    }));
    await refuseTransactionControl(steps);
    return { plan, downs };
  };
  if (options.dryRun) {
    const databases = groupByDatabase(placement, involved);
    const { plan, downs } = await prepare(await readHistoriesReadOnly(databases, where?.openReadOnly));
    return { project, database, databases, plan, downs, dryRun: true };
  }
  const lockOptions = {
    lockTimeoutMs: project.config.lockTimeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(where?.open ? { open: where.open } : {}),
  };
  // The databases of every module the rollback may touch are locked, in the one fixed order.
  return withLockedSession(placement, involved, lockOptions, async ({ sessions, histories, lockWaitedMs }) => {
    const { plan, downs } = await prepare(histories);
    const result = await runRollback(sessions, downs, histories, newRunId(), {
      ...lockOptions,
      dbTimeouts: project.config.dbTimeouts,
    });
    return {
      project,
      database,
      databases: sessions.groups,
      plan,
      downs,
      dryRun: false,
      result: { ...result, lockWaitedMs },
    };
  });
}

/** Refusals that depend on the database state: blocking dependents, dirty modules, drifted files. */
function refuseUnsafe(
  project: Project,
  plan: RollbackPlan,
  histories: ReadonlyMap<string, ModuleHistory>,
  allow: AllowOptions = {},
): void {
  if (plan.blockers.length > 0 && plan.module === '') {
    throw new UsageError(
      `refusing to roll back the last run: ${plan.blockers.length === 1 ? 'a module that depends on what it applied has' : 'modules that depend on what it applied have'} migrations applied since, outside that run:\n` +
        plan.blockers.map((b) => `- ${b.module}: ${b.applied.join(', ')}`).join('\n') +
        '\nRoll those back first (modkit rollback <module>), then run rollback --last-run again.',
      { details: { dependents: plan.blockers } },
    );
  }
  if (plan.blockers.length > 0) {
    throw new UsageError(
      `refusing to roll back module "${plan.module}": ${plan.blockers.length === 1 ? 'a module that depends on it has' : 'modules that depend on it have'} applied migrations:\n` +
        plan.blockers.map((b) => `- ${b.module}: ${b.applied.join(', ')}`).join('\n') +
        `\nRoll ${plan.blockers.length === 1 ? 'it' : 'them'} back first, or pass --cascade to roll ${plan.blockers.length === 1 ? 'it' : 'them'} back completely before "${plan.module}".`,
      { details: { module: plan.module, dependents: plan.blockers } },
    );
  }
  if (plan.dirty.length > 0) {
    throw new ModkitError(
      'validation',
      `refusing to roll back: ${plan.dirty.map((d) => `module "${d.module}" is dirty (migration ${d.id} started outside a transaction and never finished)`).join('; ')}. ` +
        `Check what it left in the database, then run \`modkit repair --module ${plan.dirty[0]!.module}\` and roll back again.`,
      { details: { dirty: plan.dirty } },
    );
  }
  const undo = new Set(plan.steps.map((s) => `${s.module}\u0000${s.id}`));
  const modules = [...new Set(plan.steps.map((s) => s.module))].map((m) => project.byName.get(m)!);
  const drift = planMigrations(modules, histories).problems.filter(
    (p) => p.kind === 'drift' && undo.has(`${p.module}\u0000${p.id}`),
  );
  if (drift.length > 0 && allow.drift !== true) {
    throw new ModkitError(
      'validation',
      `refusing to roll back: ${drift.length === 1 ? 'a migration' : `${drift.length} migrations`} to undo changed after ${drift.length === 1 ? 'it was' : 'they were'} applied, so ${drift.length === 1 ? 'its' : 'their'} down may not match the schema:\n` +
        drift.map((p) => `- ${p.message}`).join('\n') +
        '\nCheck the downs against what was applied, then pass --allow-drift (or record the new checksums with `modkit repair`).',
      { details: { problems: drift } },
    );
  }
}
