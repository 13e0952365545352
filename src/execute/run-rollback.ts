import { performance } from 'node:perf_hooks';
import { upgradeHistoryTable } from '../db/history-table.js';
import type { DbSession } from '../db/session.js';
import { ModkitError } from '../errors.js';
import type { ModuleHistory } from '../plan/types.js';
import type { LoadedDown } from './check-downs.js';
import { runMigration } from './run-migration.js';
import type { ApplyResult, EventSink, MigrationResult } from './types.js';

export interface RunRollbackOptions {
  /** Aborting stops before the next down; the caller cancels the running statement. */
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

/**
 * Runs the downs in order (the plan's order: dependents first, newest first), each in its own
 * transaction with the deletion of its history row (runMigration). The first failure stops the
 * run; the result lists what was reverted before it.
 */
export async function runRollback(
  session: DbSession,
  downs: readonly LoadedDown[],
  histories: ReadonlyMap<string, ModuleHistory>,
  options: RunRollbackOptions = {},
): Promise<ApplyResult> {
  const started = performance.now();
  const results: MigrationResult[] = [];
  const total = downs.length;
  const finish = (error?: ModkitError): ApplyResult => ({ results, ...(error ? { error } : {}), durationMs: Math.round(performance.now() - started) });
  try {
    // A Rust-created table lacks `state`, which a no-transaction down writes: upgrade it first.
    for (const module of new Set(downs.map((d) => d.step.module))) {
      const history = histories.get(module);
      if (history?.exists && history.missingColumns.length > 0) await upgradeHistoryTable(session.connection, history);
    }
    for (const [i, { step }] of downs.entries()) {
      if (options.signal?.aborted) throw interrupted();
      const index = i + 1;
      options.onEvent?.({ type: 'migration-start', module: step.module, id: step.id, index, total });
      const base = { module: step.module, id: step.id, direction: 'down' as const, ...(step.migration?.file ? { file: step.migration.file } : {}) };
      const t0 = performance.now();
      try {
        const durationMs = await runMigration(session, step.table, step.migration!, 'down', { insideOuterTransaction: false });
        const result: MigrationResult = { ...base, status: 'reverted', durationMs };
        results.push(result);
        options.onEvent?.({ type: 'migration-done', result, index, total });
      } catch (error) {
        results.push({ ...base, status: 'failed', durationMs: Math.round(performance.now() - t0) });
        throw options.signal?.aborted ? interrupted(error) : error;
      }
    }
    return finish();
  } catch (error) {
    return finish(
      error instanceof ModkitError ? error : new ModkitError('migration-failed', `the rollback stopped: ${(error as Error)?.message ?? String(error)}`, { cause: error }),
    );
  }
}

function interrupted(cause?: unknown): ModkitError {
  return new ModkitError('interrupted', 'interrupted by a signal: the running down was cancelled and rolled back, and the lock released', {
    ...(cause ? { cause } : {}),
  });
}
