import { nextTurn } from '../util/sleep.js';
import { stopwatch } from '../util/stopwatch.js';
import type { HookTimeouts, LoadedModule } from '../modules/types.js';
import { messageOf, ModkitError } from '../errors.js';
import { awaitStartupHook, startupBoundMs } from './await-startup-hook.js';
import { hookError, interruptedBeforeRunning, overLimitMessage } from './hook-error.js';
import { hookLimitMs, hookLimitSource } from './hook-limits.js';
import { ModuleHandle, systemContext } from './module-context.js';
import type { Runtime } from './runtime.js';
import type { RuntimeDatabases } from './runtime-databases.js';
import type { HookPhase, LifecycleSink, RuntimeState } from './types.js';

/** What the startup phases share: the runtime (project, selected modules, services, events) and the shutdown signal. */
export interface StartupContext {
  readonly runtime: Runtime;
  /** Aborts on shutdown (a signal, or a failure elsewhere); it is every module's `ctx.signal`. */
  readonly signal: AbortSignal;
  readonly setState: (state: RuntimeState, module?: string, reason?: string) => void;
}

/**
 * Phase 3, init: makes every module's `ctx` (its handle: start, run, stop, health and reload get the
 * same `ctx`), then calls every `init(ctx)`, in system-first order.
 */
export async function runInitPhase(context: StartupContext, databases: RuntimeDatabases): Promise<void> {
  const { runtime } = context;
  for (const module of runtime.modules) {
    runtime.attach(
      new ModuleHandle(module, runtime.project.config.modulesConfig[module.name], {
        db: databases.dbFor(module),
        signal: context.signal,
        instanceId: runtime.instanceId,
        services: runtime.services.forModule(module),
        emit: runtime.emit,
      }),
    );
  }
  for (const module of runtime.modules) {
    const init = module.definition.init;
    if (!init) continue;
    const { ctx } = runtime.handle(module.name)!;
    await callHook(context, module, 'init', () => init.call(module.definition, ctx));
  }
}

/** Phase 4, post_init: system modules' `postInit(sys)`, after every `init`. Then no more services are provided. */
export async function runPostInitPhase(context: StartupContext): Promise<void> {
  const { runtime } = context;
  for (const module of runtime.modules) {
    const postInit = module.definition.postInit;
    if (!module.system || !postInit) continue;
    const sys = systemContext(runtime.project, runtime.instanceId, runtime.services.forModule(module));
    await callHook(context, module, 'post_init', () => postInit.call(module.definition, sys));
  }
  runtime.services.seal();
}

/**
 * Phase 5, start: every module's `start(signal, ctx)`, in system-first order. Each module that
 * started (its hook returned, or it has none) is appended to `started`, so a later failure
 * knows exactly what to stop.
 */
export async function runStartPhase(context: StartupContext, started: string[]): Promise<void> {
  const { runtime } = context;
  for (const module of runtime.modules) {
    const start = module.definition.start;
    context.setState('starting', module.name);
    try {
      const { ctx } = runtime.handle(module.name)!;
      if (start) await callHook(context, module, 'start', () => start.call(module.definition, context.signal, ctx));
      else if (context.signal.aborted) throw interruptedBeforeRunning('start');
    } catch (error) {
      context.setState('failed', module.name, messageOf(error));
      throw error;
    }
    started.push(module.name);
    // A module with a process runs once its child is ready (the spawn phase).
    if (!module.definition.process) context.setState('running', module.name);
  }
}

/** The `timeouts` key of each startup phase. */
const LIMIT_KEYS: Readonly<Partial<Record<HookPhase, keyof HookTimeouts>>> = {
  pre_init: 'preInit',
  init: 'init',
  post_init: 'postInit',
  start: 'start',
};

/**
 * Runs one startup hook (pre_init included): refuses once shutdown began, times it, reports it,
 * names module and phase on failure, fails it past its time limit, and bounds it once shutdown
 * begins while it runs (await-startup-hook.ts). Shared with pre-init.ts.
 */
export async function callHook(
  context: { readonly runtime: Pick<Runtime, 'project' | 'emit'>; readonly signal: AbortSignal },
  module: LoadedModule,
  phase: HookPhase,
  call: () => unknown,
): Promise<void> {
  const { signal } = context;
  const emit: LifecycleSink = context.runtime.emit;
  const config = context.runtime.project.config;
  if (signal.aborted) throw interruptedBeforeRunning(phase);
  emit({ type: 'hook-start', module: module.name, phase });
  const elapsed = stopwatch();
  const deadlineMs = hookLimitMs(config, module, 'stop');
  const limitKey = LIMIT_KEYS[phase]!;
  const limitMs = hookLimitMs(config, module, limitKey);
  const onBound = (ms: number) => emit({ type: 'deadline', phase, ms });
  const outcome = await awaitStartupHook(call, signal, { deadlineMs, limitMs, onBound });
  const durationMs = elapsed();
  if (outcome.status === 'ok' || outcome.status === 'failed') await letSignalsIn();
  const report = (status: 'ok' | 'failed' | 'timed-out', error?: string) =>
    emit({ type: 'hook', module: module.name, phase, status, durationMs, ...(error ? { error } : {}) });
  switch (outcome.status) {
    case 'ok':
      report('ok');
      return;
    case 'failed':
      report('failed', messageOf(outcome.error));
      // A hook that gives up because a signal aborted it is being interrupted, not failing.
      if (signal.aborted && !(signal.reason instanceof ModkitError)) throw interruptedBeforeRunning(phase);
      throw hookError(module, phase, outcome.error);
    case 'over-limit': {
      const message = overLimitMessage(outcome.limitMs, hookLimitSource(module, limitKey));
      report('timed-out', message);
      throw hookError(module, phase, message);
    }
    case 'timed-out': {
      const boundMs = startupBoundMs(deadlineMs);
      report('timed-out', `did not return within ${boundMs} ms of the shutdown signal`);
      throw interruptedBeforeRunning(phase, { module, boundMs });
    }
    case 'abandoned':
      report('failed', outcome.reason.message);
      throw hookError(module, phase, outcome.reason);
  }
}

/**
 * Lets the event loop pass its poll phase once, where a signal that arrived while the hook blocked
 * the thread (a synchronous start) is delivered: the caller then sees the shutdown signal aborted
 * and treats the startup as interrupted, not as a success. Two `setImmediate` turns: from whichever
 * phase the loop is in, the second one runs after a poll phase.
 */
async function letSignalsIn(): Promise<void> {
  await nextTurn();
  await nextTurn();
}
