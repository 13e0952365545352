/**
 * Which migration started the work that is running (or failing) now. Every script step runs inside an
 * AsyncLocalStorage context naming it, which Node carries into every timer, promise and callback
 * the migration's code creates: an exception thrown by a timer, or a promise rejected after `up()`
 * resolved, can then be blamed on the migration that started it, not on whichever one runs at that
 * moment (issue 19 §5; the CLI's handlers ask {@link migrationOfCurrentWork}).
 *
 * Script migrations' pending timers are also followed (async_hooks, enabled at the first script
 * only): the run waits for a timer a script left behind before it reports success, so that
 * what it does — or how it fails — happens while the run can still say so.
 */
import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';
import { messageOf, ModkitError } from '../errors.js';

/** A migration, as reports name it. */
export interface MigrationOrigin {
  readonly module: string;
  readonly id: string;
  readonly file?: string;
}

const current = new AsyncLocalStorage<MigrationOrigin>();

/** Timers and immediates created by script migrations, not yet run or cleared. */
const pending = new Map<number, { readonly origin: MigrationOrigin; readonly timer: WeakRef<object> }>();
const waiters = new Set<() => void>();
let hook: AsyncHook | undefined;

/**
 * Runs `work` (one step) as the code of `origin` when it runs user code (`script`): its timers are
 * followed and what fails later is blamed on it. A SQL step runs no user code, so it runs outside
 * any context: nothing it does can be its migration's late error, and a run of SQL files never turns
 * on Node's promise hooks (an AsyncLocalStorage's price on every promise of the run).
 */
export function runAsMigration<T>(origin: MigrationOrigin, script: boolean, work: () => Promise<T>): Promise<T> {
  if (!script) return work();
  hook ??= createHook({ init: noteTimer, destroy: forgetTimer }).enable();
  return current.run(origin, work);
}

/** How many db phases run now (a fleet runs several at once). */
let phases = 0;

/**
 * Runs a db phase with its steps' work followed. When the last one ends, the tracking stops: an
 * AsyncLocalStorage or an async hook left enabled keeps Node's async bookkeeping on for the
 * whole process, where V8's termination of a blocked hook (the CLI's exit backstop) then trips
 * an internal assertion.
 */
export async function followingScriptWork<T>(work: () => Promise<T>): Promise<T> {
  phases += 1;
  try {
    return await work();
  } finally {
    phases -= 1;
    if (phases === 0) {
      hook?.disable();
      hook = undefined;
      pending.clear();
      current.disable();
    }
  }
}

/** The migration whose code created the work running now (in an `uncaughtException` handler: the failing work). */
export function migrationOfCurrentWork(): MigrationOrigin | undefined {
  return current.getStore();
}

/** The migrations whose timers are still to run, each once. */
export function migrationsWithPendingWork(): MigrationOrigin[] {
  const origins = new Map<string, MigrationOrigin>();
  for (const [id, { origin, timer }] of pending) {
    if (!keepsRunning(timer.deref())) pending.delete(id);
    else origins.set(`${origin.module}\u0000${origin.id}`, origin);
  }
  return [...origins.values()];
}

/** Resolves once no script timer is pending, or at once when `signal` aborts. */
export function scriptWorkDone(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (signal?.aborted || migrationsWithPendingWork().length === 0) {
        waiters.delete(check);
        signal?.removeEventListener('abort', check);
        resolve();
      }
    };
    waiters.add(check);
    signal?.addEventListener('abort', check, { once: true });
    check();
  });
}

function noteTimer(asyncId: number, type: string, _trigger: number, resource: object): void {
  if (type !== 'Timeout' && type !== 'Immediate') return;
  const origin = current.getStore();
  if (origin) pending.set(asyncId, { origin, timer: new WeakRef(resource) });
}

function forgetTimer(asyncId: number): void {
  if (pending.delete(asyncId)) for (const check of [...waiters]) check();
}

/** A timer that will still run and keeps Node alive: not an interval (it never ends), not unref'd or cleared. */
function keepsRunning(timer: object | undefined): boolean {
  const t = timer as { _repeat?: unknown; _destroyed?: boolean; hasRef?: () => boolean } | undefined;
  return t !== undefined && !t._repeat && t._destroyed !== true && t.hasRef?.() !== false;
}

/**
 * Before a run reports its outcome: when a script migration left a timer behind (its `up()`
 * resolved first), says so and waits for it, so that what the timer does — or how it fails — is
 * part of this run's report. A signal (or the CLI stopping the run for a late error) ends the wait.
 */
export async function awaitScriptWork(onWarning: (message: string) => void, signal?: AbortSignal): Promise<void> {
  const left = migrationsWithPendingWork();
  if (left.length === 0) return;
  const names = left.map((o) => `${o.module}/${o.id}`).join(', ');
  onWarning(
    `${names} left a timer running after up() resolved: waiting for it before the run ends ` +
      "(a migration's work belongs inside up(), awaited)",
  );
  await scriptWorkDone(signal);
}

/**
 * What stops a run when a migration's code fails after its `up()` resolved (the CLI's handlers make
 * it the run's abort reason). The statement running then belongs to another migration: it is not
 * cancelled, and the run stops before the next migration.
 */
export class LateWorkError extends ModkitError {
  constructor(origin: MigrationOrigin, error: unknown) {
    const name = `${origin.module}/${origin.id}${origin.file ? ` (${origin.file})` : ''}`;
    super(
      'migration-failed',
      `migration ${name} left work running after its up() resolved (a timer, a promise not awaited), and that ` +
        `work failed: ${messageOf(error)}. The migration itself was recorded when up() resolved, with what it had ` +
        'done by then; what the failed work did or meant to do is not part of it: check the database. Await all of ' +
        "a migration's work inside up()",
      { cause: error, details: { ...origin, lateError: true } },
    );
  }
}
