import type { LoadedModule } from '../modules/types.js';
import { systemContext } from './module-context.js';
import type { Project } from '../project/load-project.js';
import { interruptedBeforeRunning } from './hook-error.js';
import { ServiceRegistry } from './services.js';
import { callHook } from './startup-phases.js';
import type { LifecycleSink } from './types.js';

export interface PreInitOptions {
  readonly signal?: AbortSignal;
  readonly emit?: LifecycleSink;
  readonly instanceId: string;
  /** The run's services (full mode: the runtime's, so that what preInit provides reaches init). */
  readonly services?: ServiceRegistry;
}

/**
 * Phase 1, pre_init: system modules' `preInit(sys)`, in topological order, before any migration.
 * Each is bounded by its time limit (`hookTimeoutMs`, `timeouts.preInit`), also under
 * `migrate --only`; after a signal, a pending preInit is bounded like any startup hook.
 */
export async function runPreInit(
  project: Project,
  selected: readonly LoadedModule[],
  options: PreInitOptions,
): Promise<void> {
  const names = new Set(selected.map((m) => m.name));
  const services = options.services ?? new ServiceRegistry(project);
  const context = { runtime: { project, emit: options.emit ?? (() => undefined) }, signal: options.signal ?? NEVER };
  for (const name of project.order.topological) {
    const module = project.byName.get(name)!;
    const preInit = module.definition.preInit;
    if (!names.has(name) || !module.system || !preInit) continue;
    if (context.signal.aborted) throw interruptedBeforeRunning('pre_init');
    const sys = systemContext(project, options.instanceId, services.forModule(module));
    await callHook(context, module, 'pre_init', () => preInit.call(module.definition, sys));
  }
}

const NEVER = new AbortController().signal;
