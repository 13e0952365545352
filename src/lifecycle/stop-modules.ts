import { stopwatch } from '../util/stopwatch.js';
import type { LoadedModule, ModuleContext } from '../modules/types.js';
import { messageOf } from '../errors.js';
import { deadlineAfter, settleWithin, type Settled } from './settle-within.js';
import { hookLimitSource } from './hook-limits.js';
import type { LifecycleSink, RuntimeState, StopProblem } from './types.js';
import type { ModuleProcess } from './module-process.js';

export interface StopOptions {
  /**
   * Each module's own stop budget (`shutdownDeadlineMs`, or its `timeouts.stop`): a fresh deadline
   * per module, never a shared one.
   */
  readonly budgetOf: (module: LoadedModule) => number;
  /** Bound of the whole phase; when it passes, stopping is abandoned and the run fails. */
  readonly watchdogMs: number;
  /** Per module, the promise of its supervised `run` task; waited for before its `stop`. */
  readonly tasks: ReadonlyMap<string, Promise<void>>;
  /** Per module, its child process (out-of-process modules): stopped first in its module's turn. */
  readonly processes?: ReadonlyMap<string, Pick<ModuleProcess, 'stop'>>;
  /** The `ctx` each module's `stop(deadline, ctx)` gets (undefined: the module has none yet). */
  readonly contextOf: (module: LoadedModule) => ModuleContext | undefined;
  readonly emit: LifecycleSink;
  readonly setState: (state: RuntimeState, module?: string, reason?: string) => void;
}

export interface StopResult {
  /** The modules whose stop ran to an end (well or not), in order. */
  readonly stopped: readonly string[];
  readonly problems: readonly StopProblem[];
  /** The modules never reached because the watchdog fired. */
  readonly abandoned: readonly string[];
  readonly watchdogFired: boolean;
}

/** How long a module may take to react once its deadline aborted, before we move on without it. */
export function graceAfterDeadline(deadlineMs: number): number {
  return Math.min(1_000, deadlineMs);
}

/**
 * Phase 7, stop: stops `modules` one after the other, in the order given (the caller passes the
 * reverse topological order of the started modules). Each module first lets its `run` task end,
 * then runs `stop(deadline)`, both within a fresh deadline of its own. A failing or hanging stop
 * is reported and the next module still stops; the watchdog bounds the whole phase.
 */
export async function stopModules(modules: readonly LoadedModule[], options: StopOptions): Promise<StopResult> {
  const stopped: string[] = [];
  const problems: StopProblem[] = [];
  let watchdogFired = false;
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<'watchdog'>((resolve) => {
    timer = setTimeout(() => resolve('watchdog'), options.watchdogMs);
  });
  const sequence = (async () => {
    for (const module of modules) {
      if (watchdogFired) return;
      const problem = await stopOne(module, options);
      if (problem) problems.push(problem);
      stopped.push(module.name);
    }
  })();
  try {
    watchdogFired = (await Promise.race([sequence, watchdog])) === 'watchdog';
  } finally {
    clearTimeout(timer);
  }
  const abandoned = modules.map((m) => m.name).filter((name) => !stopped.includes(name));
  return { stopped: [...stopped], problems, abandoned, watchdogFired };
}

/**
 * The longest the stop phase may take for `modules`: per module its budget plus grace, once more
 * with a task, and once more with a child process.
 */
export function stopPhaseBoundMs(
  modules: readonly LoadedModule[],
  budgetOf: (module: LoadedModule) => number,
  tasks: ReadonlyMap<string, unknown>,
  processes: ReadonlyMap<string, unknown> = new Map(),
): number {
  const parts = (m: LoadedModule) => 1 + (tasks.has(m.name) ? 1 : 0) + (processes.has(m.name) ? 1 : 0);
  const per = (m: LoadedModule) => (budgetOf(m) + graceAfterDeadline(budgetOf(m))) * parts(m);
  return modules.reduce((sum, m) => sum + per(m), 0) + 5_000;
}

async function stopOne(module: LoadedModule, options: StopOptions): Promise<StopProblem | undefined> {
  const deadlineMs = options.budgetOf(module);
  const grace = graceAfterDeadline(deadlineMs);
  options.setState('draining', module.name);
  // Its child first (SIGTERM, SIGKILL after the budget), as the part of the module that runs on its own.
  const child = options.processes?.get(module.name);
  const childProblem = child ? await child.stop(deadlineMs, hookLimitSource(module, 'stop')) : undefined;
  const task = options.tasks.get(module.name);
  if (task) {
    // The task gets a budget of its own: one that overruns never eats its module's stop budget.
    const taskDeadline = deadlineAfter(deadlineMs);
    try {
      if ((await settleWithin(task, taskDeadline.signal, grace)).status === 'timed-out') {
        const message = `run task did not end within ${deadlineMs} ms of shutdown; stopping the module anyway`;
        options.emit({ type: 'log', module: module.name, level: 'warn', message });
      }
    } finally {
      taskDeadline.clear();
    }
  }
  const deadline = deadlineAfter(deadlineMs);
  try {
    const stop = module.definition.stop;
    let outcome: Settled = { status: 'ok' };
    if (stop) {
      options.emit({ type: 'hook-start', module: module.name, phase: 'stop' });
      const elapsed = stopwatch();
      const ctx = options.contextOf(module);
      // Promise.resolve().then turns a synchronous throw into a rejection like any other failure.
      const work = Promise.resolve().then(() => stop.call(module.definition, deadline.signal, ctx!));
      outcome = await settleWithin(work, deadline.signal, grace);
      const error =
        outcome.status === 'failed'
          ? messageOf(outcome.error)
          : outcome.status === 'timed-out'
            ? `did not return within its ${deadlineMs} ms deadline`
            : undefined;
      const { status } = outcome;
      const durationMs = elapsed();
      const failure = error ? { error } : {};
      options.emit({ type: 'hook', module: module.name, phase: 'stop', status, durationMs, ...failure });
    }
    if (outcome.status === 'ok' && childProblem) {
      options.setState('failed', module.name, childProblem.message);
      return childProblem;
    }
    if (outcome.status === 'ok') {
      options.setState('stopped', module.name);
      return undefined;
    }
    const message =
      outcome.status === 'failed'
        ? `stop(deadline) of module "${module.name}" (${module.file}) failed: ${messageOf(outcome.error)}`
        : `stop(deadline) of module "${module.name}" (${module.file}) did not return within its ${deadlineMs} ms ` +
          `deadline (${hookLimitSource(module, 'stop')}); it was left behind`;
    options.setState('failed', module.name, message);
    return { module: module.name, status: outcome.status, message };
  } finally {
    deadline.clear();
  }
}
