import { stopwatch } from '../util/stopwatch.js';
import { describeTarget } from '../config/database-url.js';
import type { Session } from '../db/session.js';
import { ModkitError } from '../errors.js';
import type { MigrationPlan } from '../plan/types.js';
import type { DatabaseSessions } from './locked-session.js';
import { historySetupError } from './history-errors.js';
import { runError, runStep, type RunContext, type StepOptions } from './run-step.js';
import type { ApplyResult, MigrationResult, TxMode } from './types.js';

export interface ApplyOptions extends StepOptions {
  readonly txMode?: TxMode;
}

/**
 * Applies every pending migration of a plan, module by module in plan order (the one system-first
 * order, switching to each module's database), each migration in its own transaction (or all in
 * one under `--tx-mode all`). The first failure stops the run; the result still lists what
 * completed before it.
 */
export async function applyPlan(
  sessions: DatabaseSessions,
  plan: MigrationPlan,
  runId: string,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const elapsed = stopwatch();
  const results: MigrationResult[] = [];
  const finish = (error?: ModkitError): ApplyResult => ({
    results,
    ...(error ? { error } : {}),
    durationMs: elapsed(),
  });
  if (plan.pendingCount === 0) return finish();

  const context: RunContext = { ...options, results, total: plan.pendingCount, runId };
  const applyAll = async () => {
    let index = 0;
    for (const modulePlan of plan.modules) {
      if (modulePlan.pending.length === 0) continue;
      options.onEvent?.({ type: 'module-start', module: modulePlan.module.name, pending: modulePlan.pending.length });
      const session = sessions.of(modulePlan.module.name);
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
      return finish(runError(error, options.signal));
    }
  }
  // One transaction lives in one database: with pending work in several, nothing could undo them together.
  const involved = [
    ...new Set(plan.modules.filter((m) => m.pending.length > 0).map((m) => sessions.of(m.module.name))),
  ];
  if (involved.length > 1) {
    return finish(
      new ModkitError(
        'usage',
        `--tx-mode all runs everything in one transaction, which cannot span databases, and the pending migrations are in ${involved.length}: ` +
          `${involved.map((s) => describeTarget(s.target)).join(', ')}. Nothing was applied. Use --tx-mode per-migration, or migrate one database at a time with --module.`,
      ),
    );
  }
  const session = involved[0]!;
  if (!session.capabilities.transactionalDdl) {
    return finish(
      new ModkitError(
        'usage',
        '--tx-mode all needs transactional DDL, which this database does not have (DDL commits implicitly); use --tx-mode per-migration',
      ),
    );
  }
  try {
    const scripts = plan.modules.some((m) => m.pending.some((p) => p.format === 'script'));
    await session.inOneTransaction(applyAll, { scripts });
    return finish();
  } catch (error) {
    const failure = runError(error, options.signal);
    // A body that ended the one transaction committed what came before it: only what it took
    // along (marked by runStep) is gone.
    if (failure.details.transactionEnded !== true) {
      for (const [i, r] of results.entries()) if (r.status === 'applied') results[i] = { ...r, status: 'rolled-back' };
    }
    return finish(failure);
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
