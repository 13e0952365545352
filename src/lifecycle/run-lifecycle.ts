import { stopwatch } from '../util/stopwatch.js';
import { messageOf, ModkitError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { interruptedBeforeRunning, withAftermath } from './hook-error.js';
import { hookLimitMs } from './hook-limits.js';
import { resolveInstanceId } from './instance-id.js';
import { Runtime } from './runtime.js';
import { openRuntimeDatabases, type RuntimeDatabases } from './runtime-databases.js';
import { runInitPhase, runPostInitPhase, runStartPhase, type StartupContext } from './startup-phases.js';
import { stopModules, stopPhaseBoundMs, type StopResult } from './stop-modules.js';
import { stopOrder } from './stop-order.js';
import { superviseTasks } from './supervise-tasks.js';
import type { ModuleProcess } from './module-process.js';
import { runSpawnPhase, superviseProcesses } from './spawn-processes.js';
import type { LifecyclePhase, LifecycleReport, LifecycleSink, RuntimeState } from './types.js';

type SetState = (state: RuntimeState, module?: string, reason?: string) => void;

export interface LifecycleOptions {
  /** Aborting (SIGINT/SIGTERM) drains, then ends the wait phase and starts the stop phase. */
  readonly signal?: AbortSignal;
  readonly onEvent?: LifecycleSink;
  /** The stop-phase watchdog; default: per started module its deadline plus grace (twice with a task), plus 5 s. */
  readonly stopTimeoutMs?: number;
  /**
   * How long a signal that comes while running keeps the app up (`/readyz` 503) before stopping;
   * default: the config's `drainMs`.
   */
  readonly drainMs?: number;
  /** The run's runtime (the pipeline makes it before pre_init); default: a new one. */
  readonly runtime?: Runtime;
  /** Without `runtime`: the instance id (default: `MODKIT_INSTANCE_ID`, else one UUID per process). */
  readonly instanceId?: string;
  /** Variables the caller read from env files into `process.env`: modules' child processes do not inherit them. */
  readonly envFileVariables?: readonly string[];
}

/**
 * Phases 3 to 7 (SPEC §5): init, post_init, start, the supervised `run` tasks, wait for the
 * signal, drain, stop. Whatever fails, the modules already started are stopped in reverse
 * topological order, and the runtime pools are destroyed, before this returns. Never throws: the
 * report's `error` says why the outcome is not `stopped`, and what was stopped.
 */
export async function runLifecycle(
  project: Project,
  modules: readonly LoadedModule[],
  options: LifecycleOptions = {},
): Promise<LifecycleReport> {
  const elapsed = stopwatch();
  const runtime =
    options.runtime ??
    new Runtime(project, modules, {
      instanceId: resolveInstanceId(options.instanceId),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  const emit = runtime.emit;
  const setState: SetState = (state, module, reason) => {
    const about = { ...(module ? { module } : {}), ...(reason ? { reason } : {}) };
    emit({ type: 'state', state, ...about, at: new Date().toISOString() });
  };
  // One shutdown signal for every module: aborted by SIGINT/SIGTERM (after the drain) or by a failure in the app.
  const app = new AbortController();
  runtime.signal = app.signal;
  const drain = draining(options.drainMs ?? project.config.lifecycle.drainMs, app, emit, setState);
  const onSignal = () => drain.begin(options.signal?.reason);
  if (options.signal?.aborted) onSignal();
  options.signal?.addEventListener('abort', onSignal, { once: true });

  const context: StartupContext = { runtime, signal: app.signal, setState };
  const started: string[] = [];
  let tasks: ReadonlyMap<string, Promise<void>> = new Map();
  const processes = new Map<string, ModuleProcess>();
  const fatal = (error: ModkitError) => {
    failure ??= error;
    app.abort(error);
  };
  let databases: RuntimeDatabases | undefined;
  let failure: ModkitError | undefined;
  try {
    databases = await openRuntimeDatabases(project, modules);
    await phase(emit, 'init', () => runInitPhase(context, databases!));
    await phase(emit, 'post_init', () => runPostInitPhase(context));
    await phase(emit, 'start', () => runStartPhase(context, started));
    if (started.some((name) => project.byName.get(name)!.definition.process)) {
      await phase(emit, 'spawn', () => runSpawnPhase(context, started, processes, options.envFileVariables));
    }
    const running = started.map((name) => ({ module: project.byName.get(name)!, ctx: runtime.handle(name)!.ctx }));
    tasks = superviseTasks(running, app.signal, emit, fatal);
    superviseProcesses(processes, app.signal, fatal);
    if (!app.signal.aborted) {
      drain.running = true;
      setState('running');
      await phase(emit, 'wait', () => waitForAbort(app.signal));
    }
  } catch (error) {
    failure ??= asModkitError(error);
  } finally {
    options.signal?.removeEventListener('abort', onSignal);
    drain.end();
  }

  if (!drain.begun) {
    setState('draining', undefined, failure && failure.kind !== 'interrupted' ? failure.message : 'shutdown signal');
  }
  app.abort(failure);
  const order = stopOrder(project.order.topological, started).map((name) => project.byName.get(name)!);
  const budgetOf = (module: LoadedModule) => hookLimitMs(project.config, module, 'stop');
  const watchdogMs = options.stopTimeoutMs ?? stopPhaseBoundMs(order, budgetOf, tasks, processes);
  emit({ type: 'deadline', phase: 'stop', ms: watchdogMs });
  const contextOf = (module: LoadedModule) => runtime.handle(module.name)?.ctx;
  const stopOptions = { budgetOf, watchdogMs, tasks, processes, contextOf, emit, setState };
  const stop = await phase(emit, 'stop', () => stopModules(order, stopOptions));
  // The pools go last: a module's stop may still flush through ctx.db. A hung pool is left to exit.
  if (!stop.watchdogFired) await databases?.destroy();

  const stoppedCleanly = stop.stopped.filter((name) => !stop.problems.some((p) => p.module === name));
  // Not running and no failure: a signal came between the last start and the wait phase.
  const cause = failure ?? (drain.running ? undefined : interruptedBeforeRunning('start'));
  const error = cause ? withAftermath(cause, started, stoppedCleanly) : stopError(stop, stoppedCleanly, watchdogMs);
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

/**
 * The drain (SPEC §5): a signal while running makes the runtime `draining` at once (`/readyz`
 * answers 503), and aborts the app only `drainMs` later, so load balancers stop sending traffic
 * before the modules stop. A signal before running, or with no drain, aborts at once.
 */
function draining(drainMs: number, app: AbortController, emit: LifecycleSink, setState: SetState) {
  let timer: NodeJS.Timeout | undefined;
  return {
    /** Set once the runtime is `running`. */
    running: false,
    /** True once `draining` was announced. */
    begun: false,
    begin(reason: unknown) {
      if (!this.running || drainMs <= 0 || app.signal.aborted) return app.abort(reason);
      this.begun = true;
      setState('draining', undefined, 'shutdown signal');
      emit({ type: 'drain', ms: drainMs });
      timer = setTimeout(() => app.abort(reason), drainMs);
    },
    end() {
      clearTimeout(timer);
    },
  };
}

/** Runs one phase between `begin` and `end` events. */
async function phase<T>(emit: LifecycleSink, name: LifecyclePhase, run: () => Promise<T>): Promise<T> {
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

/** A graceful shutdown that did not end cleanly is still a failure (exit 1), naming every module and what did stop. */
function stopError(stop: StopResult, stoppedCleanly: readonly string[], watchdogMs: number): ModkitError | undefined {
  const lines = stop.problems.map((p) => `- ${p.message}`);
  if (stop.watchdogFired) {
    const notStopped = stop.abandoned.join(', ') || '(pool shutdown)';
    lines.push(`- the whole stop phase exceeded its bound of ${watchdogMs} ms; not stopped: ${notStopped}`);
  }
  if (lines.length === 0) return undefined;
  const cleanly =
    stoppedCleanly.length > 0 ? `Stopped cleanly: ${stoppedCleanly.join(', ')}.` : 'No module stopped cleanly.';
  return new ModkitError(
    'migration-failed',
    `the stop phase did not end cleanly:\n${lines.join('\n')}\n${cleanly} ` +
      'Make stop(deadline) return once its deadline aborts, or raise shutdownDeadlineMs in the config.',
    {
      details: {
        phase: 'stop',
        problems: stop.problems,
        watchdogFired: stop.watchdogFired,
        abandoned: stop.abandoned,
        stopped: stoppedCleanly,
      },
    },
  );
}

function asModkitError(error: unknown): ModkitError {
  if (error instanceof ModkitError) return error;
  return new ModkitError('migration-failed', `the lifecycle stopped: ${messageOf(error)}`, { cause: error });
}
