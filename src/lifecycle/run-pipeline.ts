import { stopwatch } from '../util/stopwatch.js';
import { runDbPhase, type DbPhaseResult } from '../execute/db-phase.js';
import { schemaWaitError, waitForSchema } from '../execute/wait-for-schema.js';
import type { EventSink } from '../execute/types.js';
import { hasModuleDatabases } from '../config/module-databases.js';
import type { LoadedModule } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { selectModules } from '../project/load-project.js';
import { resolveInstanceId } from './instance-id.js';
import { LIFECYCLE_DEFAULTS } from '../config/lifecycle-settings.js';
import { runPreInit } from './pre-init.js';
import { Runtime } from './runtime.js';
import type { HealthServer } from './health-server.js';
import type { MigrateReport, PipelineOptions, PipelineReport } from './types.js';
import { UsageError } from '../errors.js';
import { checkStopAt } from '../plan/stop-at.js';

/** How long `run --no-migrate` waits for the schema by default. */
export const DEFAULT_SCHEMA_TIMEOUT_MS = 60_000;

/**
 * The one pipeline of SPEC §5. `mode: 'migrate-only'` runs pre_init and db and returns (the
 * CI/CD pre-deploy step); `mode: 'full'` goes on with init, post_init, start, the supervised run
 * tasks, waits for `signal`, drains, and stops what started. In full mode the health server (when
 * configured) answers from the first moment to the last. Errors that stop the run before any
 * migration (config, lock, validation, connection) are thrown as ModkitError, as `migrate` does;
 * everything later is in the report, whose `error` decides the exit code.
 *
 * @example
 * ```ts
 * import { loadProject, runPipeline } from 'modkit';
 * const project = await loadProject({ configPath: 'modkit.config.ts' });
 * const controller = new AbortController();
 * process.once('SIGTERM', () => controller.abort());
 * const report = await runPipeline(project, { mode: 'full', signal: controller.signal, health: { port: 8081 } });
 * process.exitCode = report.error ? report.error.exitCode : 0;
 * ```
 */
export async function runPipeline(project: Project, options: PipelineOptions): Promise<PipelineReport> {
  const full = options.mode === 'full';
  const modules = selectModules(project, options.modules);
  if (options.to && Object.keys(options.to).length > 0) {
    if (full) {
      throw new UsageError(
        '`to` (--to) migrates part of a module, and the application must not start against that: ' +
          'migrate only (`modkit migrate --only`), then start it',
      );
    }
    checkStopAt(modules, options.to, project.order.systemFirst); // before pre_init or any connection
  }
  const runtime = new Runtime(project, modules, {
    instanceId: resolveInstanceId(options.instanceId),
    ...(options.onLifecycleEvent ? { onEvent: options.onLifecycleEvent } : {}),
    ...(options.reloadConfig ? { reloadConfig: options.reloadConfig } : {}),
  });
  const emit = runtime.emit;
  const onEvent: EventSink = (event) => {
    runtime.model.applyMigration(event);
    options.onEvent?.(event);
  };
  if (full) {
    options.onRuntime?.(runtime);
    emit({ type: 'state', state: 'starting', at: new Date().toISOString() });
  }
  const failed = (error: unknown) =>
    emit({ type: 'state', state: 'failed', reason: (error as Error)?.message, at: new Date().toISOString() });
  const listen = full ? (options.health ?? project.config.lifecycle.health) : undefined;
  let server: HealthServer | undefined;
  try {
    if (listen) {
      const { startHealthServer } = await import('./health-server.js');
      const host = listen.host ?? LIFECYCLE_DEFAULTS.healthHost;
      server = await startHealthServer(runtime, { port: listen.port, host });
      emit({ type: 'health-server', url: server.url });
    }
    const migration = await prepareDatabase(project, modules, runtime, { ...options, onEvent });
    const dbError = migration.result.error;
    if (dbError || !full) {
      if (dbError && full) failed(dbError);
      return { mode: options.mode, migration, ...(dbError ? { error: dbError } : {}) };
    }
    // Full mode only: the lifecycle (child processes, readline for their output) is not loaded by `migrate --only`.
    const { runLifecycle } = await import('./run-lifecycle.js');
    const lifecycle = await runLifecycle(project, modules, {
      runtime,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
      ...(options.drainMs !== undefined ? { drainMs: options.drainMs } : {}),
      ...(options.envFileVariables ? { envFileVariables: options.envFileVariables } : {}),
    });
    return { mode: options.mode, migration, lifecycle, ...(lifecycle.error ? { error: lifecycle.error } : {}) };
  } catch (error) {
    if (full) failed(error);
    throw error;
  } finally {
    await server?.close();
  }
}

/**
 * True when a run needs no database at all: no module owns a migration and none is configured
 * (the embedded SQLite default would be an empty file nobody asked for, so none is created).
 */
export function needsNoDatabase(project: Project, modules: readonly LoadedModule[]): boolean {
  const { config } = project;
  const noMigrations = modules.every((m) => m.migrations.length === 0);
  return config.database.source === 'default' && !hasModuleDatabases(config) && noMigrations;
}

/**
 * Phases 1 and 2, reported together as the `db` phase: pre_init, then the migrations (or, with
 * `migrate: false`, the wait for another run to apply them).
 */
async function prepareDatabase(
  project: Project,
  modules: readonly LoadedModule[],
  runtime: Runtime,
  options: PipelineOptions & { readonly onEvent: EventSink },
): Promise<MigrateReport> {
  const emit = runtime.emit;
  emit({ type: 'phase', phase: 'db', status: 'begin' });
  const elapsed = stopwatch();
  let completed = false;
  try {
    await runPreInit(project, modules, {
      instanceId: runtime.instanceId,
      services: runtime.services,
      emit,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const result =
      options.migrate === false
        ? await waitInstead(project, modules, runtime, options)
        : await migrate(project, modules, options);
    completed = true;
    const names = modules.map((m) => m.name);
    return { project, database: project.config.database, databases: result.databases, modules: names, result };
  } finally {
    emit({ type: 'phase', phase: 'db', status: 'end', durationMs: elapsed(), ...(completed ? {} : { aborted: true }) });
  }
}

/** No migration ran (and none was waited for): nothing to connect to. */
const NOTHING: DbPhaseResult = { results: [], durationMs: 0, lockWaitedMs: 0, runId: '', databases: [] };

async function migrate(
  project: Project,
  modules: readonly LoadedModule[],
  options: PipelineOptions & { readonly onEvent: EventSink },
): Promise<DbPhaseResult> {
  if (needsNoDatabase(project, modules)) return NOTHING;
  return runDbPhase(project.config, modules, {
    lockTimeoutMs: project.config.lockTimeoutMs,
    dbTimeouts: project.config.dbTimeouts,
    ...(options.lint === false ? {} : { lint: project.config.lint }),
    ...(options.allow ? { allow: options.allow } : {}),
    ...(options.to ? { to: options.to } : {}),
    ...(options.txMode ? { txMode: options.txMode } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: options.onEvent,
  });
}

/** `run --no-migrate`: wait as `modkit wait` does; a schema that does not become ready fails the run before init. */
async function waitInstead(
  project: Project,
  modules: readonly LoadedModule[],
  runtime: Runtime,
  options: PipelineOptions,
): Promise<DbPhaseResult> {
  if (needsNoDatabase(project, modules)) return NOTHING;
  let reported = -1;
  const wait = await waitForSchema(project.config, modules, {
    timeoutMs: options.schemaTimeoutMs ?? DEFAULT_SCHEMA_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    onLook: ({ pending, waitedMs, error }) => {
      if (error || pending.length === reported) return;
      reported = pending.length;
      runtime.emit({ type: 'schema-wait', pending, waitedMs });
    },
  });
  const error = schemaWaitError(wait);
  return {
    results: [],
    durationMs: wait.waitedMs,
    lockWaitedMs: 0,
    runId: '',
    databases: wait.databases,
    ...(wait.plan ? { plan: wait.plan } : {}),
    ...(error ? { error } : {}),
  };
}
