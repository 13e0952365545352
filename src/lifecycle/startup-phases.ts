import { stopwatch } from '../util/stopwatch.js';
import type { LoadedModule } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { messageOf, ModkitError } from '../errors.js';
import { awaitStartupHook, startupBoundMs } from './await-startup-hook.js';
import { hookError, interruptedBeforeRunning } from './hook-error.js';
import { createModuleContext } from './module-context.js';
import { systemContext } from './pre-init.js';
import type { RuntimeDatabases } from './runtime-databases.js';
import type { HookPhase, LifecycleSink, RuntimeState } from './types.js';

/** What the startup phases share: the project, the selected modules (system-first order) and the sinks. */
export interface StartupContext {
  readonly project: Project;
  readonly modules: readonly LoadedModule[];
  /** Aborts on shutdown (a signal, or a failure elsewhere); it is every module's `ctx.signal`. */
  readonly signal: AbortSignal;
  readonly emit: LifecycleSink;
  readonly setState: (state: RuntimeState, module?: string, reason?: string) => void;
}

/** Phase 3, init: every module's `init(ctx)`, in system-first order. */
export async function runInitPhase(context: StartupContext, databases: RuntimeDatabases): Promise<void> {
  for (const module of context.modules) {
    const init = module.definition.init;
    if (!init) continue;
    const ctx = createModuleContext(context.project, module, databases, context.signal, context.emit);
    await callHook(context, module, 'init', () => init.call(module.definition, ctx));
  }
}

/** Phase 4, post_init: system modules' `postInit(sys)`, after every `init`. */
export async function runPostInitPhase(context: StartupContext): Promise<void> {
  const sys = systemContext(context.project);
  for (const module of context.modules) {
    const postInit = module.definition.postInit;
    if (!module.system || !postInit) continue;
    await callHook(context, module, 'post_init', () => postInit.call(module.definition, sys));
  }
}

/**
 * Phase 5, start: every module's `start(signal)`, in system-first order. Each module that
 * started (its hook returned, or it has none) is appended to `started`, so a later failure
 * knows exactly what to stop.
 */
export async function runStartPhase(context: StartupContext, started: string[]): Promise<void> {
  for (const module of context.modules) {
    const start = module.definition.start;
    context.setState('starting', module.name);
    try {
      if (start) await callHook(context, module, 'start', () => start.call(module.definition, context.signal));
      else if (context.signal.aborted) throw interruptedBeforeRunning('start');
    } catch (error) {
      context.setState('failed', module.name, messageOf(error));
      throw error;
    }
    started.push(module.name);
    context.setState('running', module.name);
  }
}

/**
 * Runs one hook: refuses once shutdown began, times it, reports it, names module and phase on
 * failure, and bounds it once shutdown begins while it runs (await-startup-hook.ts).
 */
async function callHook(context: StartupContext, module: LoadedModule, phase: HookPhase, call: () => unknown): Promise<void> {
  if (context.signal.aborted) throw interruptedBeforeRunning(phase);
  context.emit({ type: 'hook-start', module: module.name, phase });
  const elapsed = stopwatch();
  const deadlineMs = context.project.config.shutdownDeadlineMs;
  const outcome = await awaitStartupHook(call, context.signal, deadlineMs, (ms) => context.emit({ type: 'deadline', phase, ms }));
  const durationMs = elapsed();
  const report = (status: 'ok' | 'failed' | 'timed-out', error?: string) =>
    context.emit({ type: 'hook', module: module.name, phase, status, durationMs, ...(error ? { error } : {}) });
  switch (outcome.status) {
    case 'ok':
      report('ok');
      return;
    case 'failed':
      report('failed', messageOf(outcome.error));
      // A hook that gives up because a signal aborted it is being interrupted, not failing.
      if (context.signal.aborted && !(context.signal.reason instanceof ModkitError)) throw interruptedBeforeRunning(phase);
      throw hookError(module, phase, outcome.error);
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
