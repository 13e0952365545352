import { runPipeline } from '../lifecycle/run-pipeline.js';
import type { MigrateReport, RunOptions } from '../lifecycle/types.js';
import { loadProject, type Project } from '../project/load-project.js';
import type { MigrateOptions } from './options.js';

export type { MigrateReport } from '../lifecycle/types.js';

/**
 * `modkit migrate --only` as a library call: load the project, then pre_init and the db phase.
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
  return migrateProject(await loadProject(options), options);
}

/** The same, for a project already loaded. */
export async function migrateProject(project: Project, options: RunOptions = {}): Promise<MigrateReport> {
  return (await runPipeline(project, { ...options, mode: 'migrate-only' })).migration;
}
