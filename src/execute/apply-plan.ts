import { stopwatch } from '../util/stopwatch.js';
import type { DbSession } from '../db/session.js';
import { createHistoryTable } from '../db/history-table.js';
import { ModkitError } from '../errors.js';
import type { MigrationPlan } from '../plan/types.js';
import { runError, runStep } from './run-step.js';
import type { ApplyResult, EventSink, MigrationResult, TxMode } from './types.js';

export interface ApplyOptions {
  readonly txMode?: TxMode;
  /** Aborting stops before the next migration; the running statement is cancelled by the caller. */
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

/**
 * Applies every pending migration of a plan, module by module in plan order, each migration in
 * its own transaction (or all in one under `--tx-mode all`). The first failure stops the run;
 * the result still lists what completed before it.
 */
export async function applyPlan(session: DbSession, plan: MigrationPlan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const elapsed = stopwatch();
  const txMode = options.txMode ?? 'per-migration';
  const results: MigrationResult[] = [];
  const total = plan.pendingCount;
  const finish = (error?: ModkitError): ApplyResult => ({
    results,
    ...(error ? { error } : {}),
    durationMs: elapsed(),
  });
  if (total === 0) return finish();

  const { connection, dialect } = session;
  const all = txMode === 'all';
  const context = { results, total, insideOuterTransaction: all, ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) };
  if (all && !dialect.supportsTransactionalDdl) {
    return finish(new ModkitError('usage', `--tx-mode all needs transactional DDL, which ${dialect.engine} does not have; use --tx-mode per-migration`));
  }
  if (all) await connection.execScript(dialect.beginSql);
  let index = 0;
  try {
    for (const modulePlan of plan.modules) {
      if (modulePlan.pending.length === 0) continue;
      options.onEvent?.({ type: 'module-start', module: modulePlan.module.name, pending: modulePlan.pending.length });
      if (!modulePlan.history.exists) await createHistoryTable(dialect, connection, modulePlan.history.table);
      for (const migration of modulePlan.pending) {
        index += 1;
        await runStep(session, modulePlan.history.table, migration, 'up', index, context);
      }
    }
    if (all) await connection.execScript('COMMIT');
    return finish();
  } catch (error) {
    if (all) {
      await connection.execScript('ROLLBACK').catch(() => undefined);
      for (const [i, r] of results.entries()) if (r.status === 'applied') results[i] = { ...r, status: 'rolled-back' };
    }
    return finish(runError(error, options.signal?.aborted === true));
  }
}
