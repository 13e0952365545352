import { stopwatch } from '../util/stopwatch.js';
import { runDbPhase } from '../execute/db-phase.js';
import type { Project } from '../project/load-project.js';
import { selectModules } from '../project/load-project.js';
import { runPreInit } from './pre-init.js';
import { runLifecycle } from './run-lifecycle.js';
import type { MigrateReport, PipelineOptions, PipelineReport } from './types.js';
import { UsageError } from '../errors.js';
import { checkStopAt } from '../plan/stop-at.js';

/**
 * The one pipeline of SPEC §5. `mode: 'migrate-only'` runs pre_init and db and returns (the
 * CI/CD pre-deploy step); `mode: 'full'` goes on with init, post_init, start, the supervised run
 * tasks, waits for `signal`, and stops what started. Errors that stop the run before any
 * migration (config, lock, validation, connection) are thrown as ModkitError, as `migrate` does;
 * everything later is in the report, whose `error` decides the exit code.
 *
 * @example
 * ```ts
 * import { loadProject, runPipeline } from 'modkit';
 * const project = await loadProject({ configPath: 'modkit.config.ts' });
 * const controller = new AbortController();
 * process.once('SIGTERM', () => controller.abort());
 * const report = await runPipeline(project, { mode: 'full', signal: controller.signal });
 * process.exitCode = report.error ? report.error.exitCode : 0;
 * ```
 */
export async function runPipeline(project: Project, options: PipelineOptions): Promise<PipelineReport> {
  const emit = options.onLifecycleEvent ?? (() => undefined);
  const full = options.mode === 'full';
  const modules = selectModules(project, options.modules);
  if (options.to && Object.keys(options.to).length > 0) {
    if (full) throw new UsageError('`to` (--to) migrates part of a module, and the application must not start against that: migrate only (`modkit migrate --only`), then start it');
    checkStopAt(modules, options.to, project.order.systemFirst); // before pre_init or any connection
  }
  if (full) emit({ type: 'state', state: 'starting', at: new Date().toISOString() });
  // pre_init runs first: it is part of every mode, and reported within the db phase.
  emit({ type: 'phase', phase: 'db', status: 'begin' });
  const elapsed = stopwatch();
  let migration: MigrateReport;
  try {
    await runPreInit(project, modules, options.signal, emit);
    const result = await runDbPhase(project.config, modules, {
      lockTimeoutMs: project.config.lockTimeoutMs,
      dbTimeouts: project.config.dbTimeouts,
      ...(options.lint === false ? {} : { lint: project.config.lint }),
      ...(options.allow ? { allow: options.allow } : {}),
      ...(options.to ? { to: options.to } : {}),
      ...(options.txMode ? { txMode: options.txMode } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    migration = { project, database: project.config.database, databases: result.databases, modules: modules.map((m) => m.name), result };
  } catch (error) {
    if (full) emit({ type: 'state', state: 'failed', reason: (error as Error)?.message, at: new Date().toISOString() });
    throw error;
  } finally {
    emit({ type: 'phase', phase: 'db', status: 'end', durationMs: elapsed() });
  }
  const dbError = migration.result.error;
  if (dbError || !full) {
    if (dbError && full) emit({ type: 'state', state: 'failed', reason: dbError.message, at: new Date().toISOString() });
    return { mode: options.mode, migration, ...(dbError ? { error: dbError } : {}) };
  }
  const lifecycle = await runLifecycle(project, modules, {
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: emit,
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
  });
  return { mode: options.mode, migration, lifecycle, ...(lifecycle.error ? { error: lifecycle.error } : {}) };
}
