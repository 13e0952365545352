import { stopwatch } from '../util/stopwatch.js';
import type { DbTimeouts } from '../config/types.js';
import type { Session } from '../db/session.js';
import { ModkitError } from '../errors.js';
import type { MigrationPlan } from '../plan/types.js';
import { historySetupError } from './migration-error.js';
import { runError, runStep, type StepContext } from './run-step.js';
import type { ApplyResult, EventSink, MigrationResult, TxMode } from './types.js';

export interface ApplyOptions {
  readonly txMode?: TxMode;
  /** Database lock and statement timeouts of each migration, and lock-timeout retries. */
  readonly dbTimeouts?: DbTimeouts;
  /** Aborting stops before the next migration; the running statement is cancelled by the caller. */
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

/**
 * Applies every pending migration of a plan, module by module in plan order, each migration in
 * its own transaction (or all in one under `--tx-mode all`). The first failure stops the run;
 * the result still lists what completed before it.
 */
export async function applyPlan(session: Session, plan: MigrationPlan, runId: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const elapsed = stopwatch();
  const results: MigrationResult[] = [];
  const finish = (error?: ModkitError): ApplyResult => ({ results, ...(error ? { error } : {}), durationMs: elapsed() });
  if (plan.pendingCount === 0) return finish();

  const context: StepContext = { results, total: plan.pendingCount, runId, ...(options.dbTimeouts ? { dbTimeouts: options.dbTimeouts } : {}), ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) };
  const applyAll = async () => {
    let index = 0;
    for (const modulePlan of plan.modules) {
      if (modulePlan.pending.length === 0) continue;
      options.onEvent?.({ type: 'module-start', module: modulePlan.module.name, pending: modulePlan.pending.length });
      if (!modulePlan.history.exists) await createHistory(session, modulePlan.history.table, modulePlan.module.name);
      for (const migration of modulePlan.pending) {
        index += 1;
        await runStep(session, modulePlan.history.table, migration, 'up', index, context);
      }
    }
  };
  if (options.txMode !== 'all') {
    try {
      await applyAll();
      return finish();
    } catch (error) {
      return finish(runError(error, options.signal?.aborted === true));
    }
  }
  if (!session.capabilities.transactionalDdl) {
    return finish(new ModkitError('usage', '--tx-mode all needs transactional DDL, which this database does not have (DDL commits implicitly); use --tx-mode per-migration'));
  }
  try {
    const scripts = plan.modules.some((m) => m.pending.some((p) => p.format === 'script'));
    await session.inOneTransaction(applyAll, { scripts });
    return finish();
  } catch (error) {
    for (const [i, r] of results.entries()) if (r.status === 'applied') results[i] = { ...r, status: 'rolled-back' };
    return finish(runError(error, options.signal?.aborted === true));
  }
}

/** Creates a module's history table before its first migration; a failure names the module. */
export async function createHistory(session: Session, table: string, module: string): Promise<void> {
  try {
    await session.createHistory(table);
  } catch (error) {
    throw historySetupError(error, module, session.target.url);
  }
}
