import { baselineAllProject, baselineProject, type BaselineAllOptions, type BaselineOptions } from '../api/baseline.js';
import { UsageError } from '../errors.js';
import type { BaselinePlan } from '../plan/plan-baseline.js';
import { checkBaselineTarget } from '../plan/plan-baseline.js';
import { unknownStopAt } from '../plan/stop-at.js';
import { selectModules, type Project } from '../project/load-project.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { FleetTarget } from './resolve-targets.js';
import { runFleet, type FleetOptions, type FleetReport, type TargetOutcome } from './run-fleet.js';

/** What `baseline` recorded on one target: one plan per module (one for a single module). */
export interface FleetBaselineDetail {
  readonly plans: readonly BaselinePlan[];
  readonly lockWaitedMs: number;
}

/** `baseline <module> --to ID` (`module` and `to`) or `baseline --all` (`all`, with `modules` and per-module `to`). */
export type BaselineFleetRequest =
  | (Omit<BaselineOptions, 'signal'> & { readonly all?: false })
  | (Omit<BaselineAllOptions, 'signal'> & { readonly all: true });

export type BaselineFleetOptions = FleetOptions &
  BaselineFleetRequest & { readonly onTarget?: (outcome: TargetOutcome<FleetBaselineDetail>) => void };

/**
 * `baseline` over a fleet: the same request on every target, each under its own lock and planned
 * from its own history, so adopting a fleet of existing tenants is one command. An unknown module
 * or migration id is refused once, before any target connects; a target whose rows are recorded
 * differently fails alone (exit 4, nothing recorded there).
 */
export async function baselineFleet(
  project: Project,
  targets: readonly FleetTarget[],
  options: BaselineFleetOptions,
): Promise<FleetReport<FleetBaselineDetail>> {
  checkBaselineRequest(project, options);
  return runFleet<FleetBaselineDetail>(
    targets,
    async ({ target }, sessions, signal) => {
      const where = { placement: { database: target, moduleDatabases: {} }, open: sessions.open };
      const withSignal = signal ? { signal } : {};
      if (options.all) {
        const report = await baselineAllProject(project, { ...options, ...withSignal }, where);
        return { detail: { plans: report.plans, lockWaitedMs: report.lockWaitedMs } };
      }
      const report = await baselineProject(project, { ...options, ...withSignal }, where);
      return { detail: { plans: [report.plan], lockWaitedMs: report.lockWaitedMs } };
    },
    options,
  );
}

/** The refusals that need no database, once for the whole fleet. */
function checkBaselineRequest(project: Project, request: BaselineFleetRequest): void {
  if (request.all) {
    const unknown = unknownStopAt(selectModules(project, request.modules), request.to ?? {}, project.order.systemFirst);
    if (unknown.length > 0) throw new UsageError(unknown);
    return;
  }
  const module = project.byName.get(request.module);
  if (!module)
    throw new UsageError(
      `Unknown module "${request.module}"${didYouMean(request.module, [...project.byName.keys()])}.`,
    );
  checkBaselineTarget(module, request.to);
}
