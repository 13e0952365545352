import type { DatabaseTarget } from '../config/types.js';
import { runDbPhase, type DbPhaseResult } from '../execute/db-phase.js';
import { runPreInit } from '../lifecycle/pre-init.js';
import { loadProject, selectModules, type Project } from '../project/load-project.js';
import type { MigrateOptions } from './options.js';

export interface MigrateReport {
  readonly project: Project;
  readonly database: DatabaseTarget;
  /** The modules this run covered, in system-first order. */
  readonly modules: readonly string[];
  readonly result: DbPhaseResult;
}

/**
 * `modkit migrate --only` as a library call: pre_init, then the db phase, then return.
 * Errors that stop the run before any migration (config, lock, validation, connection) are
 * thrown as ModkitError; a failed migration is reported in `result.error` next to what completed.
 *
 * @example
 * ```ts
 * import { migrate } from 'modkit';
 * const { result } = await migrate({ configPath: 'modkit.config.ts' });
 * if (result.error) throw result.error;
 * console.log(`${result.results.length} migrations applied`);
 * ```
 */
export async function migrate(options: MigrateOptions = {}): Promise<MigrateReport> {
  const project = await loadProject(options);
  return migrateProject(project, options);
}

/** The same, for a project already loaded (the lifecycle runner uses it). */
export async function migrateProject(project: Project, options: MigrateOptions = {}): Promise<MigrateReport> {
  const modules = selectModules(project, options.modules);
  await runPreInit(project, modules, options.signal);
  const result = await runDbPhase(project.config.database, modules, {
    lockTimeoutMs: project.config.lockTimeoutMs,
    ...(options.allow ? { allow: options.allow } : {}),
    ...(options.txMode ? { txMode: options.txMode } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  return { project, database: project.config.database, modules: modules.map((m) => m.name), result };
}
