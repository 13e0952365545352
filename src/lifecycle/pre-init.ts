import { randomUUID } from 'node:crypto';
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

/** Phase 1, pre_init: system modules' `preInit`, in topological order, before any migration. */
export async function runPreInit(project: Project, selected: readonly LoadedModule[], signal?: AbortSignal, emit?: LifecycleSink): Promise<void> {
  const names = new Set(selected.map((m) => m.name));
  const sys = systemContext(project);
  for (const name of project.order.topological) {
    const module = project.byName.get(name)!;
    const preInit = module.definition.preInit;
    if (!names.has(name) || !module.system || !preInit) continue;
    if (signal?.aborted) throw interruptedBeforeRunning('pre_init');
    emit?.({ type: 'hook-start', module: name, phase: 'pre_init' });
    const elapsed = stopwatch();
    try {
      await preInit.call(module.definition, sys);
    } catch (error) {
      emit?.({ type: 'hook', module: name, phase: 'pre_init', status: 'failed', durationMs: elapsed(), error: messageOf(error) });
      throw hookError(module, 'pre_init', error);
    }
    emit?.({ type: 'hook', module: name, phase: 'pre_init', status: 'ok', durationMs: elapsed() });
  }
}
