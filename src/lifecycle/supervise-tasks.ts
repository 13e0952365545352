import { stopwatch } from '../util/stopwatch.js';
import { sleep } from '../util/sleep.js';
import type { ModkitError } from '../errors.js';
import type { LoadedModule, ModuleContext } from '../modules/types.js';
import { messageOf } from '../errors.js';
import { hookError } from './hook-error.js';
import { resolveRestartPolicy, restartDelayMs, STABLE_RUN_MS, type RestartPolicy } from './restart-policy.js';
import type { LifecycleSink } from './types.js';

/** A module whose `run(signal, ctx)` task is to be supervised. */
export interface TaskModule {
  readonly module: LoadedModule;
  readonly ctx: ModuleContext;
}

/**
 * Starts every module's long-running `run(signal, ctx)` task (after all `start`s succeeded) and
 * supervises it with the module's restart policy. Returns, per module, a promise that settles
 * when its task has ended for good; it never rejects. A task that fails for good calls `onFatal`,
 * which shuts the application down.
 */
export function superviseTasks(
  modules: readonly TaskModule[],
  signal: AbortSignal,
  emit: LifecycleSink,
  onFatal: (error: ModkitError) => void,
): ReadonlyMap<string, Promise<void>> {
  const tasks = new Map<string, Promise<void>>();
  for (const task of modules) {
    if (task.module.definition.run) tasks.set(task.module.name, superviseTask(task, signal, emit, onFatal));
  }
  return tasks;
}

async function superviseTask(
  { module, ctx }: TaskModule,
  signal: AbortSignal,
  emit: LifecycleSink,
  onFatal: (error: ModkitError) => void,
): Promise<void> {
  const policy = resolveRestartPolicy(module.definition.restart);
  // Restarts in a row: a run that lasted STABLE_RUN_MS before it ended starts the count again.
  for (let attempt = 1; ; attempt += 1) {
    emit({ type: 'hook-start', module: module.name, phase: 'run' });
    const elapsed = stopwatch();
    let error: unknown;
    let failed = false;
    try {
      await module.definition.run!.call(module.definition, signal, ctx);
    } catch (thrown) {
      error = thrown;
      failed = true;
    }
    const durationMs = elapsed();
    // A task that ends because shutdown aborted its signal is stopping, not failing.
    if (signal.aborted || (!failed && policy.policy !== 'always')) {
      emit({ type: 'hook', module: module.name, phase: 'run', status: 'ok', durationMs });
      return;
    }
    const why = failed ? { error: messageOf(error) } : {};
    emit({ type: 'hook', module: module.name, phase: 'run', status: failed ? 'failed' : 'ok', durationMs, ...why });
    if (durationMs >= STABLE_RUN_MS) attempt = 1;
    const delayMs = restartDelayMs(policy, attempt);
    if (delayMs === undefined) {
      const why = failed ? error : new Error('it returned');
      onFatal(hookError(module, 'run', why, `${describeGiveUp(policy, attempt, failed)} `));
      return;
    }
    emit({ type: 'task-restart', module: module.name, attempt, delayMs, ...why });
    await sleep(delayMs, signal);
    if (signal.aborted) return;
  }
}

function describeGiveUp(policy: RestartPolicy, attempt: number, failed: boolean): string {
  if (policy.policy === 'never') return "Its restart policy is 'never', so the application shut down.";
  const ended = failed ? 'failed' : 'ended';
  const budget = `restart '${policy.policy}', at most ${policy.maxAttempts} restarts`;
  return `It ${ended} ${attempt} times in a row (${budget}), so the application shut down.`;
}
