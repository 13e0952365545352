import type { DatabaseTarget } from '../config/types.js';
import { waitForSchema, type SchemaWait } from '../execute/wait-for-schema.js';
import { loadProject, selectModules, type Project } from '../project/load-project.js';
import type { ProjectOptions } from './options.js';

export interface WaitOptions extends ProjectOptions {
  /** The project, when the caller has loaded it already. */
  readonly project?: Project;
  /** How long to keep looking; 0 looks once. Default 60 s. */
  readonly timeoutMs?: number;
  /** Aborting ends the wait at once (the promise rejects). */
  readonly signal?: AbortSignal;
  /** Hears each look (what is still pending, or the connection error). */
  readonly onLook?: Parameters<typeof waitForSchema>[2]['onLook'];
}

export interface WaitReport extends SchemaWait {
  readonly project: Project;
  /** The default database. */
  readonly database: DatabaseTarget;
}

/** `modkit wait`'s default time limit. */
export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;

/**
 * Waits until every migration of the selected modules is recorded as applied, reading the
 * histories read-only (as `status` does) until then or until the time is up: the library form of
 * `modkit wait`, for a replica that must not start before the migration Job is done. See
 * {@link waitForSchema} for what counts as dirty while another run migrates.
 *
 * @example
 * ```ts
 * import { waitForMigrations } from 'modkit';
 * const wait = await waitForMigrations({ configPath: 'modkit.config.ts', timeoutMs: 120_000 });
 * if (wait.outcome !== 'ready') throw new Error(`schema not ready: ${wait.pending.length} pending`);
 * ```
 */
export async function waitForMigrations(options: WaitOptions = {}): Promise<WaitReport> {
  const project = options.project ?? (await loadProject(options));
  const modules = selectModules(project, options.modules);
  const wait = await waitForSchema(project.config, modules, {
    timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onLook ? { onLook: options.onLook } : {}),
  });
  return { ...wait, project, database: project.config.database };
}
