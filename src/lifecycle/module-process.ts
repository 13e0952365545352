import { dirname, resolve } from 'node:path';
import { sleep } from '../util/sleep.js';
import { ModkitError } from '../errors.js';
import type { LoadedModule, ProcessDefinition } from '../modules/types.js';
import { hookTimeoutMs } from '../modules/validate-definition.js';
import { redactUrl } from '../config/redact-url.js';
import { Child, resolveCommand, type ChildExit } from './child-process.js';
import { resolveRestartPolicy, restartDelayMs, STABLE_RUN_MS, type RestartPolicy } from './restart-policy.js';
import type { LifecycleSink, ProcessState, StopProblem } from './types.js';

/** How long a child may take to print its ready line by default. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;

const ADVICE =
  'Make the program print the line {"event":"ready"} on stdout once it is ready (docs/out-of-process.md), ' +
  'or raise process.readyTimeoutMs.';

/** How one attempt to get the child ready ended. */
type Readiness =
  | { readonly status: 'ready' }
  | { readonly status: 'aborted' }
  | { readonly status: 'failed'; readonly why: string };

/**
 * One out-of-process module: its child, spawned until ready, supervised with its restart policy
 * (the one `run` tasks use: restart-policy.ts), and stopped in its module's turn. `env` is the child's
 * whole environment (process-env.ts).
 */
export class ModuleProcess {
  readonly definition: ProcessDefinition;
  readonly policy: RestartPolicy;
  readonly readyTimeoutMs: number;
  /** The command as printed: the program and its arguments, URLs redacted. */
  readonly commandLine: string;
  private child: Child | undefined;
  /** The children whose exit was reported (each exit once: /status counts them). */
  private readonly exitReported = new WeakSet<Child>();

  constructor(
    readonly module: LoadedModule,
    private readonly env: Readonly<Record<string, string>>,
    private readonly emit: LifecycleSink,
    /** Its module's stop budget: also how long a half-alive child gets after SIGTERM before a respawn. */
    private readonly stopBudgetMs: number,
  ) {
    this.definition = module.definition.process!;
    this.policy = resolveRestartPolicy(this.definition.restart);
    const ready = this.definition.readyTimeoutMs;
    this.readyTimeoutMs = ready === undefined ? DEFAULT_READY_TIMEOUT_MS : hookTimeoutMs(ready)!;
    const words = [this.definition.command, ...(this.definition.args ?? [])];
    this.commandLine = words.map((w) => (w.includes('://') ? redactUrl(w) : w)).join(' ');
  }

  /**
   * Spawns the child and waits for its ready line (the spawn phase). Throws, as a failing `start`
   * does (exit 1), when it exits first or is not ready within `readyTimeoutMs`; the child is then
   * left for the stop phase to terminate. A shutdown meanwhile returns `aborted`.
   */
  async start(signal: AbortSignal): Promise<'ready' | 'aborted'> {
    const outcome = await this.spawnUntilReady(signal);
    if (outcome.status === 'failed') {
      this.state('failed', { ...this.exitOfChild(), reason: outcome.why });
      throw this.error(`${outcome.why}.`, ADVICE);
    }
    return outcome.status;
  }

  /**
   * While the app runs: a child that exits is restarted per its policy (after the backoff, and after
   * terminating what is left of the old one), or, once the budget is spent, `onFatal` shuts the app
   * down. An exit with code 0 ends it for good unless the policy is `always`. Never rejects.
   */
  async supervise(signal: AbortSignal, onFatal: (error: ModkitError) => void): Promise<void> {
    let attempt = 0;
    for (;;) {
      const child = this.child!;
      const readyAt = Date.now();
      const exit = await untilAborted(child.exited, signal);
      if (exit === 'aborted') return;
      const failed = exit.code !== 0;
      if (!failed && this.policy.policy !== 'always') {
        this.state('exited', exitFields(exit));
        return;
      }
      if (Date.now() - readyAt >= STABLE_RUN_MS) attempt = 0;
      let why = `it ${describeExit(exit)}`;
      for (;;) {
        attempt += 1;
        const delayMs = restartDelayMs(this.policy, attempt);
        if (delayMs === undefined) {
          this.state('failed', { ...this.exitOfChild(), reason: why });
          onFatal(this.error(`${why}. ${this.giveUp(attempt)}`, ''));
          return;
        }
        this.state('restarting', { ...this.exitOfChild(), attempt, delayMs, reason: why });
        await this.child!.terminate(this.stopBudgetMs); // a half-alive child, or what it left behind
        await sleep(delayMs, signal);
        if (signal.aborted) return;
        const outcome = await this.spawnUntilReady(signal);
        if (outcome.status === 'aborted') return;
        if (outcome.status === 'ready') break;
        why = outcome.why;
      }
    }
  }

  /**
   * The stop phase, in its module's turn: SIGTERM, then SIGKILL after `deadlineMs`. A child that
   * needed SIGKILL is a stop problem (the run exits 1), as a `stop` hook that overran.
   */
  async stop(deadlineMs: number, deadlineSource: string): Promise<StopProblem | undefined> {
    const child = this.child;
    if (!child) return undefined;
    if (!child.alive) {
      child.signal('SIGKILL'); // what it started and left behind
      // It exited on its own once shutdown began (supervision had ended): say so now.
      if (!this.exitReported.has(child)) this.state('stopped', this.exitOfChild());
      return undefined;
    }
    this.state('stopping', {});
    const { exit, killed } = await child.terminate(deadlineMs);
    this.state('stopped', { ...exitFields(exit), ...(killed ? { killed: true as const } : {}) });
    if (!killed) return undefined;
    const message =
      `the process of module "${this.module.name}" (${this.commandLine}, pid ${child.pid}) did not exit within its ` +
      `${deadlineMs} ms deadline (${deadlineSource}) after SIGTERM, and was killed with SIGKILL`;
    return { module: this.module.name, status: 'timed-out', message };
  }

  private async spawnUntilReady(signal: AbortSignal): Promise<Readiness> {
    const { definition, module } = this;
    const cwd = resolve(dirname(module.file), definition.cwd ?? '.');
    const program = resolveCommand(definition.command, cwd, this.env.PATH);
    if (!program) {
      const where = definition.command.includes('/') ? `relative to ${cwd}` : 'on PATH';
      return { status: 'failed', why: `its command "${definition.command}" is not an executable file ${where}` };
    }
    let onReady: () => void = () => undefined;
    const ready = new Promise<'ready'>((r) => (onReady = () => r('ready')));
    const name = module.name;
    const child = Child.spawn(
      { program, args: definition.args ?? [], env: this.env, cwd },
      {
        onReady: () => onReady(),
        onEvent: (event) => this.emit({ type: 'process-event', module: name, pid: child.pid, event, at: now() }),
        onLine: (_stream, line) => this.emit({ type: 'log', module: name, level: 'info', message: line }),
      },
    );
    this.child = child;
    this.emit({ type: 'hook-start', module: name, phase: 'spawn' });
    this.state('starting', child.pid > 0 ? { pid: child.pid } : {});
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<'overdue'>((r) => (timer = setTimeout(() => r('overdue'), this.readyTimeoutMs)));
    const outcome = await untilAborted(Promise.race([ready, child.exited, overdue]), signal);
    clearTimeout(timer);
    const hook = (status: 'ok' | 'failed' | 'timed-out', error?: string) => {
      const durationMs = Date.now() - started;
      this.emit({ type: 'hook', module: name, phase: 'spawn', status, durationMs, ...(error ? { error } : {}) });
    };
    if (outcome === 'ready') {
      hook('ok');
      this.state('ready', { pid: child.pid });
      return { status: 'ready' };
    }
    if (outcome === 'aborted') {
      hook('failed', 'the application shut down before it was ready');
      return { status: 'aborted' };
    }
    const why =
      outcome === 'overdue'
        ? `it did not print {"event":"ready"} within its readyTimeoutMs of ${this.readyTimeoutMs} ms`
        : outcome.error
          ? `it could not be started: ${outcome.error}`
          : `it ${describeExit(outcome)} before it was ready`;
    hook(outcome === 'overdue' ? 'timed-out' : 'failed', why);
    return { status: 'failed', why };
  }

  private state(state: ProcessState, fields: Omit<ProcessEventFields, 'state'>): void {
    const pid = this.child && this.child.pid > 0 ? { pid: this.child.pid } : {};
    if (this.child && fields.exitCode !== undefined) this.exitReported.add(this.child);
    this.emit({ type: 'process', module: this.module.name, state, ...pid, ...fields, at: now() });
  }

  /** The exit code and signal of the current child, once it exited. */
  private exitOfChild(): { exitCode?: number | null; signal?: string | null } {
    const exit = this.child?.exitStatus;
    return exit ? exitFields(exit) : {};
  }

  private stderrLines(): string {
    const tail = this.child?.stderrTail ?? [];
    if (tail.length === 0) return 'It wrote nothing to stderr.';
    return `The last lines of its stderr:\n${tail.map((l) => `  ${l}`).join('\n')}`;
  }

  private giveUp(attempt: number): string {
    if (this.policy.policy === 'never') return "Its restart policy is 'never', so the application shut down.";
    const budget = `process.restart '${this.policy.policy}', at most ${this.policy.maxAttempts} restarts`;
    return `That was ${attempt} times in a row (${budget}), so the application shut down.`;
  }

  /**
   * Exit 1, naming the module, its command and file. The child's last stderr lines close the
   * paragraph, after the advice: what the runtime stopped is inserted before the advice (withAftermath).
   */
  private error(text: string, advice: string): ModkitError {
    const { module } = this;
    const head = `the process of module "${module.name}" (${this.commandLine}; ${module.file}): ${text}`;
    const closing = `${advice ? `${advice} ` : ''}${this.stderrLines()}`;
    return new ModkitError('migration-failed', `${head} ${closing}`, {
      details: {
        module: module.name,
        phase: 'spawn',
        file: module.file,
        command: this.commandLine,
        stderr: [...(this.child?.stderrTail ?? [])],
        advice: closing,
      },
    });
  }
}

type ProcessEventFields = Omit<Extract<Parameters<LifecycleSink>[0], { type: 'process' }>, 'type' | 'module' | 'at'>;

function exitFields(exit: ChildExit): { exitCode: number | null; signal: string | null } {
  return { exitCode: exit.code, signal: exit.signal };
}

/** `exited with code 3`, `was killed by SIGKILL`. */
function describeExit(exit: ChildExit): string {
  if (exit.error) return `could not be started: ${exit.error}`;
  return exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`;
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<'aborted'>((r) => {
    onAbort = () => r('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

function now(): string {
  return new Date().toISOString();
}
