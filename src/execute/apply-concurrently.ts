import { stopwatch } from '../util/stopwatch.js';
import type { Session } from '../db/session.js';
import { ModkitError } from '../errors.js';
import type { ModulePlan, MigrationPlan } from '../plan/types.js';
import { createHistory, type ApplyOptions } from './apply-plan.js';
import { unconfirmedCommitError } from './migration-error.js';
import type { DatabaseSessions } from './locked-session.js';
import { interruptedError, runError, runStep, type RunContext } from './run-step.js';
import { LateWorkError } from './script-work.js';
import type { ApplyResult, MigrationResult } from './types.js';

export interface ConcurrentApplyOptions extends ApplyOptions {
  /** How many modules may migrate at once, each on its own connection (≥ 2). */
  readonly concurrency: number;
}

/**
 * `--concurrency N`: modules whose dependencies are all migrated run at the same time, at most N
 * at once, each on a connection of its own database. A database whose engine allows it serves up
 * to N modules at once (its locked session is one of the connections, more are forked on demand
 * and join its lock); one that does not (SQLite: one writer) serves one at a time, while modules
 * of other databases go on beside it. Within a module, migrations run in id order, one transaction
 * each. System modules all finish before any other module starts, as in system-first order. The
 * first failure stops scheduling: modules already running finish the migration in flight (or roll
 * it back) and stop; every failure is reported.
 */
export async function applyConcurrently(
  sessions: DatabaseSessions,
  plan: MigrationPlan,
  runId: string,
  options: ConcurrentApplyOptions,
): Promise<ApplyResult> {
  const elapsed = stopwatch();
  const results: MigrationResult[] = [];
  const errors: ModkitError[] = [];
  const total = plan.pendingCount;
  const todo = plan.modules.filter((m) => m.pending.length > 0);
  const waitingOn = new Set(todo.map((m) => m.module.name));
  const systemLeft = () => todo.some((m) => m.module.system && waitingOn.has(m.module.name));
  // Transitive: a module may depend on one with pending migrations through one with none.
  const upstream = dependencyClosures(plan);
  const isReady = (m: ModulePlan) =>
    [...upstream.get(m.module.name)!].every((d) => !waitingOn.has(d)) && (m.module.system || !systemLeft());

  // Each database's workers: its locked session, then forks while its engine allows more.
  const pools = new Map<Session, Pool>(
    sessions.sessions.map((s) => [
      s,
      { idle: [s], size: 1, max: s.capabilities.concurrentMigrations ? options.concurrency : 1 },
    ]),
  );
  const workers: Session[] = [...sessions.sessions];
  const cancelAll = () => {
    if (options.signal?.reason instanceof LateWorkError) return; // see locked-session.ts
    for (const s of workers) void s.cancel().catch(() => undefined);
  };
  options.signal?.addEventListener('abort', cancelAll, { once: true });
  let index = 0;
  try {
    const queue = [...todo];
    const running = new Set<Promise<void>>();
    const stopping = () => errors.length > 0 || options.signal?.aborted === true;

    const context: RunContext = { ...options, results, total, runId };
    const runModule = async (worker: Session, modulePlan: ModulePlan): Promise<void> => {
      options.onEvent?.({ type: 'module-start', module: modulePlan.module.name, pending: modulePlan.pending.length });
      if (!modulePlan.history.exists) await createHistory(worker, modulePlan.history.table, modulePlan.module.name);
      for (const migration of modulePlan.pending) {
        if (stopping()) return;
        index += 1;
        await runStep(worker, modulePlan.history.table, migration, 'up', index, context);
      }
      // Its dependents may start on other connections: nothing of it may stay open (and locked) here.
      await worker.settle();
      waitingOn.delete(modulePlan.module.name);
    };
    /** A worker of `pool`'s database: an idle one, else a new fork of `main`. */
    const takeWorker = async (main: Session, pool: Pool): Promise<Session> => {
      const idle = pool.idle.shift();
      if (idle) return idle;
      const fork = await main.fork();
      workers.push(fork);
      return fork;
    };

    // Start every ready module whose database has a free worker; whenever one finishes, look again.
    const schedule = () => {
      while (!stopping() && running.size < options.concurrency) {
        const next = queue.findIndex((m) => {
          const pool = pools.get(sessions.of(m.module.name))!;
          return (pool.idle.length > 0 || pool.size < pool.max) && isReady(m);
        });
        if (next === -1) return;
        const [modulePlan] = queue.splice(next, 1);
        const main = sessions.of(modulePlan!.module.name);
        const pool = pools.get(main)!;
        if (pool.idle.length === 0) pool.size += 1; // reserved now, forked in the task
        let worker: Session | undefined;
        const task: Promise<void> = takeWorker(main, pool)
          .then((w) => runModule((worker = w), modulePlan!))
          .catch((error: unknown) => {
            errors.push(runError(error, options.signal));
          })
          .finally(() => {
            running.delete(task);
            if (worker) pool.idle.push(worker);
            else pool.size -= 1;
          });
        running.add(task);
      }
    };
    schedule();
    while (running.size > 0) {
      await Promise.race(running);
      schedule();
    }
    if (options.signal?.aborted && errors.length === 0 && queue.length > 0) errors.push(interruptedError());
  } catch (error) {
    errors.push(runError(error, options.signal));
  } finally {
    options.signal?.removeEventListener('abort', cancelAll);
    for (const s of workers) {
      await s.flush().catch((error: unknown) => errors.push(runError(unconfirmedCommitError(error, s.target.url))));
    }
    for (const s of workers.slice(sessions.sessions.length)) await s.close();
  }
  const error = combine(errors);
  return { results, ...(error ? { error } : {}), durationMs: elapsed() };
}

/** The connections of one database: idle ones, how many exist (or are being opened), how many may. */
interface Pool {
  readonly idle: Session[];
  size: number;
  readonly max: number;
}

/** Each module's dependencies, direct and indirect, among the modules of the plan. */
function dependencyClosures(plan: MigrationPlan): Map<string, Set<string>> {
  const byName = new Map(plan.modules.map((m) => [m.module.name, m.module]));
  const closures = new Map<string, Set<string>>();
  const closureOf = (name: string): Set<string> => {
    const known = closures.get(name);
    if (known) return known;
    const all = new Set<string>();
    closures.set(name, all); // the graph is acyclic (checked at load); this only guards recursion
    for (const dep of byName.get(name)?.deps ?? []) {
      all.add(dep);
      for (const d of closureOf(dep)) all.add(d);
    }
    return all;
  };
  for (const name of byName.keys()) closureOf(name);
  return closures;
}

/** One error for the result: the only one, or all of them in one paragraph per failure. */
function combine(errors: readonly ModkitError[]): ModkitError | undefined {
  if (errors.length <= 1) return errors[0];
  const kind = errors.find((e) => e.kind === 'interrupted')?.kind ?? errors[0]!.kind;
  return new ModkitError(
    kind,
    `${errors.length} modules failed while migrating in parallel:\n${errors.map((e) => `- ${e.message}`).join('\n')}`,
    {
      cause: errors[0],
      details: { errors: errors.map((e) => ({ kind: e.kind, message: e.message, ...e.details })) },
    },
  );
}
