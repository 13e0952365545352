import { messageOf, ModkitError } from '../errors.js';
import { interruptedBeforeRunning } from './hook-error.js';
import { hookLimitMs } from './hook-limits.js';
import { ModuleProcess } from './module-process.js';
import { childEnvironment } from './process-env.js';
import type { StartupContext } from './startup-phases.js';

/**
 * The spawn phase (the seed runtime's `oop_spawn`, after the start phase): each started module that
 * declares `process` gets its child, in system-first order, each one ready before the next is
 * spawned; the module is `running` once its child is ready. Each child is registered in `processes`
 * as soon as it is spawned, so that the stop phase stops it whatever happens next. A child that exits
 * or is not ready in time fails the run as a failing `start` does.
 */
export async function runSpawnPhase(
  context: StartupContext,
  started: readonly string[],
  processes: Map<string, ModuleProcess>,
  envFileVariables: readonly string[] = [],
): Promise<void> {
  const { runtime } = context;
  for (const module of runtime.modules) {
    if (!module.definition.process || !started.includes(module.name)) continue;
    const env = childEnvironment(runtime.project, module, { instanceId: runtime.instanceId, envFileVariables });
    const budgetMs = hookLimitMs(runtime.project.config, module, 'stop');
    const child = new ModuleProcess(module, env, runtime.emit, budgetMs);
    processes.set(module.name, child);
    let outcome: 'ready' | 'aborted';
    try {
      outcome = await child.start(context.signal);
    } catch (error) {
      context.setState('failed', module.name, messageOf(error));
      throw error;
    }
    if (outcome === 'aborted') {
      const reason: unknown = context.signal.reason;
      throw reason instanceof ModkitError ? reason : interruptedBeforeRunning('spawn');
    }
    context.setState('running', module.name);
  }
}

/** Supervises every ready child while the app runs (module-process.ts); per module, a promise that never rejects. */
export function superviseProcesses(
  processes: ReadonlyMap<string, ModuleProcess>,
  signal: AbortSignal,
  onFatal: (error: ModkitError) => void,
): ReadonlyMap<string, Promise<void>> {
  return new Map([...processes].map(([name, child]) => [name, child.supervise(signal, onFatal)]));
}
