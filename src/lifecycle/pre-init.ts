import { randomUUID } from 'node:crypto';
import { ModkitError } from '../errors.js';
import { awaitStartupHook, startupBoundMs } from './await-startup-hook.js';
import { hookError, interruptedBeforeRunning } from './hook-error.js';
import type { LoadedModule, SystemContext } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { messageOf } from '../errors.js';
import { stopwatch } from '../util/stopwatch.js';
import type { LifecycleSink } from './types.js';

/** One UUID per process (SPEC §2.2 `instanceId`). */
export const INSTANCE_ID = randomUUID();

/** The read-only view of the application that system modules' preInit/postInit receive. */
export function systemContext(project: Project): SystemContext {
  return Object.freeze({
    instanceId: INSTANCE_ID,
    modules: Object.freeze(project.modules.map((m) => Object.freeze({ name: m.name, deps: [...m.deps], system: m.system }))),
    order: Object.freeze([...project.order.systemFirst]),
  });
}

/**
 * Phase 1, pre_init: system modules' `preInit`, in topological order, before any migration. After
 * a signal, a pending preInit is bounded like any startup hook (await-startup-hook.ts).
 */
export async function runPreInit(project: Project, selected: readonly LoadedModule[], signal?: AbortSignal, emit?: LifecycleSink): Promise<void> {
  const names = new Set(selected.map((m) => m.name));
  const sys = systemContext(project);
  const deadlineMs = project.config.shutdownDeadlineMs;
  for (const name of project.order.topological) {
    const module = project.byName.get(name)!;
    const preInit = module.definition.preInit;
    if (!names.has(name) || !module.system || !preInit) continue;
    if (signal?.aborted) throw interruptedBeforeRunning('pre_init');
    emit?.({ type: 'hook-start', module: name, phase: 'pre_init' });
    const elapsed = stopwatch();
    const outcome = await awaitStartupHook(() => preInit.call(module.definition, sys), signal ?? NEVER, deadlineMs);
    const error = outcome.status === 'failed' ? outcome.error : outcome.status === 'abandoned' ? outcome.reason : undefined;
    emit?.({ type: 'hook', module: name, phase: 'pre_init', status: outcome.status === 'ok' ? 'ok' : outcome.status === 'timed-out' ? 'timed-out' : 'failed', durationMs: elapsed(), ...(error !== undefined ? { error: messageOf(error) } : {}) });
    if (outcome.status === 'ok') continue;
    if (outcome.status === 'timed-out') throw interruptedBeforeRunning('pre_init', { module, boundMs: startupBoundMs(deadlineMs) });
    if (outcome.status === 'abandoned') throw hookError(module, 'pre_init', outcome.reason);
    if (signal?.aborted && !(signal.reason instanceof ModkitError)) throw interruptedBeforeRunning('pre_init');
    throw hookError(module, 'pre_init', outcome.error);
  }
}

const NEVER = new AbortController().signal;
