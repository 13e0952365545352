import { stopwatch } from '../util/stopwatch.js';
import { ModkitError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { messageOf } from '../errors.js';
import { interruptedBeforeRunning } from './hook-error.js';
import { openRuntimeDatabases, type RuntimeDatabases } from './runtime-databases.js';
import { runInitPhase, runPostInitPhase, runStartPhase, type StartupContext } from './startup-phases.js';
import { graceAfterDeadline, stopModules, type StopResult } from './stop-modules.js';
import { stopOrder } from './stop-order.js';
import { superviseTasks } from './supervise-tasks.js';
import type { LifecycleEvent, LifecyclePhase, LifecycleReport, LifecycleSink, RuntimeState } from './types.js';

export interface LifecycleOptions {
  /** Aborting (SIGINT/SIGTERM) ends the wait phase and starts the stop phase. */
  readonly signal?: AbortSignal;
  readonly onEvent?: LifecycleSink;
  /** The stop-phase watchdog; default: per started module its deadline plus grace, plus 5 s. */
  readonly stopTimeoutMs?: number;
}

/**
 * Phases 3 to 7 (SPEC §5): init, post_init, start, the supervised `run` tasks, wait for the
 * signal, stop. Whatever fails, the modules already started are stopped in reverse topological
 * order, and the runtime pools are destroyed, before this returns. Never throws: the report's
 * `error` says why the outcome is not `stopped`.
 */
export async function runLifecycle(project: Project, modules: readonly LoadedModule[], options: LifecycleOptions = {}): Promise<LifecycleReport> {
  const elapsed = stopwatch();
  const emit: LifecycleSink = options.onEvent ?? (() => undefined);
  const setState = (state: RuntimeState, module?: string, reason?: string) =>
    emit({ type: 'state', state, ...(module ? { module } : {}), ...(reason ? { reason } : {}), at: new Date().toISOString() });
  // One shutdown signal for every module: aborted by SIGINT/SIGTERM or by a failure in the app.
  const app = new AbortController();
  const forward = () => app.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener('abort', forward, { once: true });

  const context: StartupContext = { project, modules, signal: app.signal, emit, setState };
  const started: string[] = [];
  let tasks: ReadonlyMap<string, Promise<void>> = new Map();
  let databases: RuntimeDatabases | undefined;
  let failure: ModkitError | undefined;
  let running = false;
  try {
    databases = await openRuntimeDatabases(project, modules);
    await phase(emit, 'init', () => runInitPhase(context, databases!));
    await phase(emit, 'post_init', () => runPostInitPhase(context));
    await phase(emit, 'start', () => runStartPhase(context, started));
    tasks = superviseTasks(modules, app.signal, emit, (error) => {
      failure ??= error;
      app.abort(error);
    });
    if (!app.signal.aborted) {
      running = true;
      setState('running');
      await phase(emit, 'wait', () => waitForAbort(app.signal));
    }
  } catch (error) {
    failure ??= asModkitError(error);
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }

  setState('draining', undefined, failure && failure.kind !== 'interrupted' ? failure.message : 'shutdown signal');
  app.abort(failure);
  const order = stopOrder(project.order.topological, started).map((name) => project.byName.get(name)!);
  const deadlineMs = project.config.shutdownDeadlineMs;
  const watchdogMs = options.stopTimeoutMs ?? order.length * (deadlineMs + graceAfterDeadline(deadlineMs)) + 5_000;
  emit({ type: 'deadline', phase: 'stop', ms: watchdogMs });
  const stop = await phase(emit, 'stop', () => stopModules(order, { deadlineMs, watchdogMs, tasks, emit, setState }));
  // The pools go last: a module's stop may still flush through ctx.db. A hung pool is left to exit.
  if (!stop.watchdogFired) await databases?.destroy();

  // Not running and no failure: a signal came between the last start and the wait phase.
  const error = failure ?? (running ? stopError(stop, watchdogMs) : interruptedBeforeRunning('start'));
  const outcome = !error ? 'stopped' : error.kind === 'interrupted' ? 'interrupted' : 'failed';
  setState(outcome === 'stopped' ? 'stopped' : 'failed', undefined, error?.message);
  return {
    outcome,
    ...(error ? { error } : {}),
    started,
    stopped: stop.stopped,
    stopProblems: stop.problems,
    durationMs: elapsed(),
  };
}

/** Runs one phase between `begin` and `end` events. */
async function phase<T>(emit: (event: LifecycleEvent) => void, name: LifecyclePhase, run: () => Promise<T>): Promise<T> {
  emit({ type: 'phase', phase: name, status: 'begin' });
  const elapsed = stopwatch();
  try {
    return await run();
  } finally {
    emit({ type: 'phase', phase: name, status: 'end', durationMs: elapsed() });
  }
}

/**
 * Phase 6, wait. An app whose modules hold no open handle (no server, no timer) would otherwise
 * let Node's event loop drain and the process exit mid-await; the timer keeps it alive until the signal.
 */
function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  return new Promise((resolve) =>
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(keepAlive);
        resolve();
      },
      { once: true },
    ),
  );
}

/** A graceful shutdown that did not end cleanly is still a failure (exit 1), naming every module. */
function stopError(stop: StopResult, watchdogMs: number): ModkitError | undefined {
  const lines = stop.problems.map((p) => `- ${p.message}`);
  if (stop.watchdogFired) {
    lines.push(`- the whole stop phase exceeded its bound of ${watchdogMs} ms; not stopped: ${stop.abandoned.join(', ') || '(pool shutdown)'}`);
  }
  if (lines.length === 0) return undefined;
  return new ModkitError(
    'migration-failed',
    `the stop phase did not end cleanly:\n${lines.join('\n')}\nThe other modules were still stopped. ` +
      'Make stop(deadline) return once its deadline aborts, or raise shutdownDeadlineMs in the config.',
    { details: { phase: 'stop', problems: stop.problems, watchdogFired: stop.watchdogFired, abandoned: stop.abandoned } },
  );
}

function asModkitError(error: unknown): ModkitError {
  if (error instanceof ModkitError) return error;
  return new ModkitError('migration-failed', `the lifecycle stopped: ${messageOf(error)}`, { cause: error });
}
