import { performance } from 'node:perf_hooks';
import { createHistoryTable } from '../db/history-table.js';
import type { DbSession } from '../db/session.js';
import { ModkitError } from '../errors.js';
import type { ModulePlan, MigrationPlan } from '../plan/types.js';
import type { ApplyOptions } from './apply-plan.js';
import { runMigration } from './run-migration.js';
import { transactionsOf } from './transactions-of.js';
import type { ApplyResult, MigrationResult } from './types.js';

export interface ConcurrentApplyOptions extends ApplyOptions {
  /** How many modules may migrate at once, each on its own connection (≥ 2). */
  readonly concurrency: number;
}

/**
 * `--concurrency N`: modules whose dependencies are all migrated run at the same time, each on
 * its own connection, while the caller's session keeps holding the one database lock (it also
 * serves as one of the N connections). Within a module, migrations run in id order, one
 * transaction each. System modules all finish before any other module starts, as in
 * system-first order. The first failure stops scheduling: modules already running finish the
 * migration in flight (or roll it back) and stop; every failure is reported.
 */
export async function applyConcurrently(session: DbSession, plan: MigrationPlan, options: ConcurrentApplyOptions): Promise<ApplyResult> {
  const started = performance.now();
  const results: MigrationResult[] = [];
  const errors: ModkitError[] = [];
  const total = plan.pendingCount;
  const todo = plan.modules.filter((m) => m.pending.length > 0);
  const waitingOn = new Set(todo.map((m) => m.module.name));
  const systemLeft = () => todo.some((m) => m.module.system && waitingOn.has(m.module.name));
  const isReady = (m: ModulePlan) =>
    m.module.deps.every((d) => !waitingOn.has(d)) && (m.module.system || !systemLeft());

  const sessions: DbSession[] = [session];
  const cancelAll = () => {
    for (const s of sessions) void s.dialect.cancel(s.connection, s.target).catch(() => undefined);
  };
  options.signal?.addEventListener('abort', cancelAll, { once: true });
  let index = 0;
  try {
    for (let i = 1; i < Math.min(options.concurrency, todo.length); i += 1) {
      const connection = (await session.dialect.connect(session.target))!;
      sessions.push({ ...session, connection });
    }
    const idle = [...sessions];
    const queue = [...todo];
    const running = new Set<Promise<void>>();
    const stopping = () => errors.length > 0 || options.signal?.aborted === true;

    const runModule = async (worker: DbSession, modulePlan: ModulePlan): Promise<void> => {
      options.onEvent?.({ type: 'module-start', module: modulePlan.module.name, pending: modulePlan.pending.length });
      if (!modulePlan.history.exists) await createHistoryTable(worker.dialect, worker.connection, modulePlan.history.table);
      for (const migration of modulePlan.pending) {
        if (stopping()) return;
        index += 1;
        const position = index;
        options.onEvent?.({ type: 'migration-start', module: migration.module, id: migration.id, index: position, total });
        const base = { module: migration.module, id: migration.id, direction: 'up' as const, ...(migration.file ? { file: migration.file } : {}) };
        const t0 = performance.now();
        try {
          const durationMs = await runMigration(worker, modulePlan.history.table, migration, 'up', {
            insideOuterTransaction: false,
            ...(options.signal ? { signal: options.signal } : {}),
          });
          const result: MigrationResult = { ...base, status: 'applied', durationMs };
          results.push(result);
          options.onEvent?.({ type: 'migration-done', result, index: position, total });
        } catch (error) {
          results.push({ ...base, status: 'failed', durationMs: Math.round(performance.now() - t0) });
          throw error;
        }
      }
      waitingOn.delete(modulePlan.module.name);
    };

    // Start every ready module on an idle connection; whenever one finishes, look again.
    const schedule = () => {
      while (!stopping() && idle.length > 0) {
        const next = queue.findIndex(isReady);
        if (next === -1) return;
        const [modulePlan] = queue.splice(next, 1);
        const worker = idle.shift()!;
        const task: Promise<void> = runModule(worker, modulePlan!)
          .catch((error: unknown) => {
            errors.push(toModkitError(error, options.signal?.aborted === true));
          })
          .finally(() => {
            running.delete(task);
            idle.push(worker);
          });
        running.add(task);
      }
    };
    schedule();
    while (running.size > 0) {
      await Promise.race(running);
      schedule();
    }
    if (options.signal?.aborted && errors.length === 0 && queue.length > 0) errors.push(interrupted());
  } catch (error) {
    errors.push(toModkitError(error, options.signal?.aborted === true));
  } finally {
    options.signal?.removeEventListener('abort', cancelAll);
    for (const s of sessions) await transactionsOf(s).flush().catch((error: unknown) => errors.push(toModkitError(error, false)));
    for (const s of sessions.slice(1)) await s.connection.close();
  }
  const error = combine(errors);
  return { results, ...(error ? { error } : {}), durationMs: Math.round(performance.now() - started) };
}

function toModkitError(error: unknown, aborted: boolean): ModkitError {
  if (aborted) return interrupted(error);
  return error instanceof ModkitError
    ? error
    : new ModkitError('migration-failed', `the migration run stopped: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

function interrupted(cause?: unknown): ModkitError {
  return new ModkitError('interrupted', 'interrupted by a signal: the running migrations were cancelled and rolled back, and the lock released', {
    ...(cause ? { cause } : {}),
  });
}

/** One error for the result: the only one, or all of them in one paragraph per failure. */
function combine(errors: readonly ModkitError[]): ModkitError | undefined {
  if (errors.length <= 1) return errors[0];
  const kind = errors.find((e) => e.kind === 'interrupted')?.kind ?? errors[0]!.kind;
  return new ModkitError(kind, `${errors.length} modules failed while migrating in parallel:\n${errors.map((e) => `- ${e.message}`).join('\n')}`, {
    cause: errors[0],
    details: { errors: errors.map((e) => ({ kind: e.kind, message: e.message, ...e.details })) },
  });
}
