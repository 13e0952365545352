import { stopwatch } from '../util/stopwatch.js';
import { upgradeHistoryTable } from '../db/history-table.js';
import type { DbSession } from '../db/session.js';
import { ModkitError } from '../errors.js';
import type { ModuleHistory } from '../plan/types.js';
import type { LoadedDown } from './check-downs.js';
import { runError, runStep } from './run-step.js';
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
  const elapsed = stopwatch();
  const results: MigrationResult[] = [];
  const total = downs.length;
  const finish = (error?: ModkitError): ApplyResult => ({ results, ...(error ? { error } : {}), durationMs: elapsed() });
  try {
    // A Rust-created table lacks `state`, which a no-transaction down writes: upgrade it first.
    for (const module of new Set(downs.map((d) => d.step.module))) {
      const history = histories.get(module);
      if (history?.exists && history.missingColumns.length > 0) await upgradeHistoryTable(session.connection, history);
    }
    const context = { results, total, ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) };
    for (const [i, { step }] of downs.entries()) await runStep(session, step.table, step.migration!, 'down', i + 1, context);
    return finish();
  } catch (error) {
    return finish(runError(error, options.signal?.aborted === true));
  }
}
