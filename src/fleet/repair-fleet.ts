import { checkRepairModules, repairProject, type RepairOptions } from '../api/repair.js';
import type { RepairPlan } from '../plan/plan-repair.js';
import type { Project } from '../project/load-project.js';
import type { FleetTarget } from './resolve-targets.js';
import { runFleet, type FleetOptions, type FleetReport, type TargetOutcome } from './run-fleet.js';

/** What `repair` changed on one target. */
export interface FleetRepairDetail {
  readonly plan: RepairPlan;
  readonly lockWaitedMs: number;
}

export interface RepairFleetOptions extends FleetOptions, Omit<RepairOptions, 'signal'> {
  readonly onTarget?: (outcome: TargetOutcome<FleetRepairDetail>) => void;
}

/**
 * `repair` over a fleet: each target under its own lock, planned from its own history (a tenant left
 * dirty by a failed fleet migrate is repaired where it is; the others have nothing to repair).
 */
export async function repairFleet(
  project: Project,
  targets: readonly FleetTarget[],
  options: RepairFleetOptions = {},
): Promise<FleetReport<FleetRepairDetail>> {
  checkRepairModules(project, options.modules); // once, not per target
  return runFleet<FleetRepairDetail>(
    targets,
    async ({ target }, sessions, signal) => {
      const where = { placement: { database: target, moduleDatabases: {} }, open: sessions.open };
      const report = await repairProject(project, { ...options, ...(signal ? { signal } : {}) }, where);
      return { detail: { plan: report.plan, lockWaitedMs: report.lockWaitedMs } };
    },
    options,
  );
}
