import type { DatabaseGroup } from '../config/database-groups.js';
import type { DatabaseTarget } from '../config/types.js';
import { inspectDatabases } from '../execute/inspect.js';
import { checkStopAt, type StopAt } from '../plan/stop-at.js';
import type { AllowOptions, MigrationPlan } from '../plan/types.js';
import { loadProject, selectModules, type Project } from '../project/load-project.js';
import type { ProjectOptions } from './options.js';

export interface InspectReport {
  readonly project: Project;
  /** The default database. */
  readonly database: DatabaseTarget;
  /** The databases read, in lock order, each with its modules (their own, or the default one). */
  readonly databases: readonly DatabaseGroup[];
  /** Per module, in system-first order: applied, pending, last applied, problems. */
  readonly plan: MigrationPlan;
}

/**
 * What `migrate` would do and what is wrong, read without writing anything: the library form of
 * `modkit plan` and `modkit status`.
 *
 * @example
 * ```ts
 * import { inspect } from 'modkit';
 * const { plan } = await inspect({ configPath: 'modkit.config.ts' });
 * for (const m of plan.modules) console.log(m.module.name, m.pending.map((p) => p.id));
 * ```
 */
export async function inspect(
  options: ProjectOptions & { readonly allow?: AllowOptions; readonly to?: StopAt } = {},
): Promise<InspectReport> {
  const project = await loadProject(options);
  const modules = selectModules(project, options.modules);
  if (options.to) checkStopAt(modules, options.to, project.order.systemFirst); // before anything connects
  const { plan, databases } = await inspectDatabases(project.config, modules, options.allow, undefined, options.to);
  return { project, database: project.config.database, databases, plan };
}
