import { checkRollbackRequest, rollbackProject, type RollbackOptions } from '../api/rollback.js';
import type { ApplyResult } from '../execute/types.js';
import { dependentsOf } from '../graph/module-graph.js';
import type { RollbackPlan } from '../plan/plan-rollback.js';
import type { Project } from '../project/load-project.js';
import type { FleetTarget } from './resolve-targets.js';
import { runFleet, type FleetOptions, type FleetReport, type TargetOutcome } from './run-fleet.js';

/** What `rollback` did (or, with `dryRun`, would do) on one target. */
export interface FleetRollbackDetail {
  readonly plan: RollbackPlan;
  readonly result?: ApplyResult;
}

export interface RollbackFleetOptions extends FleetOptions, Omit<RollbackOptions, 'signal'> {
  readonly onTarget?: (outcome: TargetOutcome<FleetRollbackDetail>) => void;
}

/**
 * `rollback` over a fleet: the same request (a module with `--steps`/`--to`/`--cascade`, or
 * `--last-run`) on each target under its own lock, each planned from its own history, so a target
 * whose last run applied nothing undoes nothing.
 */
export async function rollbackFleet(
  project: Project,
  targets: readonly FleetTarget[],
  options: RollbackFleetOptions,
): Promise<FleetReport<FleetRollbackDetail>> {
  checkRollbackRequest(options);
  if (options.module !== undefined) dependentsOf(project.nodes, options.module); // an unknown module fails once, not per target
  return runFleet<FleetRollbackDetail>(
    targets,
    async ({ target }, sessions, signal) => {
      const report = await rollbackProject(
        project,
        { ...options, ...(signal ? { signal } : {}) },
        {
          placement: { database: target, moduleDatabases: {} },
          open: sessions.open,
          openReadOnly: sessions.openReadOnly,
        },
      );
      const detail: FleetRollbackDetail = { plan: report.plan, ...(report.result ? { result: report.result } : {}) };
      return { detail, ...(report.result?.error ? { error: report.result.error } : {}) };
    },
    options,
  );
}
