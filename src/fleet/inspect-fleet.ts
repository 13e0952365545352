import type { ModkitError } from '../errors.js';
import { inspectDatabases } from '../execute/inspect.js';
import type { AllowOptions, MigrationPlan } from '../plan/types.js';
import { selectModules, type Project } from '../project/load-project.js';
import type { FleetTarget } from './resolve-targets.js';
import { runFleet, type FleetOptions, type FleetReport, type TargetOutcome } from './run-fleet.js';

export interface InspectFleetOptions extends FleetOptions {
  readonly modules?: readonly string[];
  readonly allow?: AllowOptions;
  /** Turns a target's plan into its failure (`status --exit-code`, `validate`); default: never fails. */
  readonly judge?: (plan: MigrationPlan) => ModkitError | undefined;
  readonly onTarget?: (outcome: TargetOutcome<MigrationPlan>) => void;
}

/**
 * What `migrate` would do on each target, read without writing anything (`status`, `plan`,
 * `validate` over a fleet): each target's histories on a read-only pooled connection, planned
 * against the project loaded once. A schema that does not exist yet reads as empty.
 *
 * @example
 * ```ts
 * const { summary } = await inspectFleet(project, targets, { onTarget: (t) => console.log(t.label, t.detail?.pendingCount) });
 * ```
 */
export async function inspectFleet(project: Project, targets: readonly FleetTarget[], options: InspectFleetOptions = {}): Promise<FleetReport<MigrationPlan>> {
  const modules = selectModules(project, options.modules);
  return runFleet<MigrationPlan>(
    targets,
    async ({ target }, sessions) => {
      const { plan } = await inspectDatabases({ database: target, moduleDatabases: {} }, modules, options.allow, sessions.openReadOnly);
      const error = options.judge?.(plan);
      return { detail: plan, ...(error ? { error } : {}) };
    },
    options,
  );
}
