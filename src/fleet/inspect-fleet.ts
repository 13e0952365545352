import type { DatabasePlacement } from '../config/module-databases.js';
import type { ModkitError } from '../errors.js';
import { historyTableNameSync } from '../db/history-table-name.js';
import { inspectDatabases } from '../execute/inspect.js';
import { planMigrations } from '../plan/plan-migrations.js';
import { checkStopAt, type StopAt } from '../plan/stop-at.js';
import type { AllowOptions, MigrationPlan } from '../plan/types.js';
import { selectModules, type Project } from '../project/load-project.js';
import type { FleetTarget } from './resolve-targets.js';
import { runFleet, type FleetOptions, type FleetReport, type TargetOutcome } from './run-fleet.js';

export interface InspectFleetOptions extends FleetOptions {
  readonly modules?: readonly string[];
  readonly allow?: AllowOptions;
  /** `plan --to`: stop these modules after these migrations. */
  readonly to?: StopAt;
  /** Turns a target's plan into its failure (`status --exit-code`, `validate`); default: never fails. */
  readonly judge?: (plan: MigrationPlan) => ModkitError | undefined;
  readonly onTarget?: (outcome: TargetOutcome<MigrationPlan>) => void;
}

/**
 * What `migrate` would do on each target, read without writing anything (`status`, `plan`,
 * `validate` over a fleet): each target's histories, planned against the project loaded once. The
 * schemas of one PostgreSQL database are read together, a thousand history tables per round trip
 * (FleetSessions.readHistories); other targets on a read-only pooled connection each. A schema that
 * does not exist yet reads as empty.
 *
 * @example
 * ```ts
 * const { summary } = await inspectFleet(project, targets, { onTarget: (t) => console.log(t.label, t.detail?.pendingCount) });
 * ```
 */
export async function inspectFleet(
  project: Project,
  targets: readonly FleetTarget[],
  options: InspectFleetOptions = {},
): Promise<FleetReport<MigrationPlan>> {
  const modules = selectModules(project, options.modules);
  if (options.to) checkStopAt(modules, options.to, project.order.systemFirst); // once, before any target connects
  const tables = new Map(modules.map((m) => [m.name, historyTableNameSync(m.name)]));
  return runFleet<MigrationPlan>(
    targets,
    async ({ target }, sessions) => {
      const histories = await sessions.readHistories(tables);
      const plan = histories
        ? planMigrations(modules, histories, options.allow, options.to)
        : (await inspectDatabases(placementOf(target), modules, options.allow, sessions.openReadOnly, options.to)).plan;
      const error = options.judge?.(plan);
      return { detail: plan, ...(error ? { error } : {}) };
    },
    options,
  );
}

/** A fleet target holds every module's history (a fleet refuses modules with databases of their own). */
function placementOf(target: FleetTarget['target']): DatabasePlacement {
  return { database: target, moduleDatabases: {} };
}
