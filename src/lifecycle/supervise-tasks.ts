import { stopwatch } from '../util/stopwatch.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModkitError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import { messageOf } from '../errors.js';
import { hookError } from './hook-error.js';
import { resolveRestartPolicy, restartDelayMs, type RestartPolicy } from './restart-policy.js';
import type { LifecycleSink } from './types.js';

/**
 * Starts every module's long-running `run(signal)` task (after all `start`s succeeded) and
 * supervises it with the module's restart policy. Returns, per module, a promise that settles
 * when its task has ended for good; it never rejects. A task that fails for good calls `onFatal`,
 * which shuts the application down.
 */
export function superviseTasks(
  modules: readonly LoadedModule[],
  signal: AbortSignal,
  emit: LifecycleSink,
  onFatal: (error: ModkitError) => void,
): ReadonlyMap<string, Promise<void>> {
  const tasks = new Map<string, Promise<void>>();
  for (const module of modules) {
    if (module.definition.run) tasks.set(module.name, superviseTask(module, signal, emit, onFatal));
  }
  return tasks;
}

async function superviseTask(module: LoadedModule, signal: AbortSignal, emit: LifecycleSink, onFatal: (error: ModkitError) => void): Promise<void> {
  const policy = resolveRestartPolicy(module.definition.restart);
  for (let attempt = 1; ; attempt += 1) {
    emit({ type: 'hook-start', module: module.name, phase: 'run' });
    const elapsed = stopwatch();
    try {
      await module.definition.run!.call(module.definition, signal);
      emit({ type: 'hook', module: module.name, phase: 'run', status: 'ok', durationMs: elapsed() });
      return;
    } catch (error) {
      const durationMs = elapsed();
      // A task that rejects because shutdown aborted its signal is stopping, not failing.
      if (signal.aborted) {
        emit({ type: 'hook', module: module.name, phase: 'run', status: 'ok', durationMs });
        return;
      }
      emit({ type: 'hook', module: module.name, phase: 'run', status: 'failed', durationMs, error: messageOf(error) });
      const delayMs = restartDelayMs(policy, attempt);
      if (delayMs === undefined) {
        onFatal(hookError(module, 'run', error, `${describeGiveUp(policy, attempt)} `));
        return;
      }
      emit({ type: 'task-restart', module: module.name, attempt, delayMs, error: messageOf(error) });
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
    }
  }
}

function describeGiveUp(policy: RestartPolicy, attempt: number): string {
  if (policy.policy === 'never') return "Its restart policy is 'never', so the application shut down.";
  return `It failed ${attempt} times in a row (restart 'on-failure', at most ${policy.maxAttempts} restarts), so the application shut down.`;
}
