import type { Session } from '../db/session.js';
import type { MigrationPlan } from '../plan/types.js';
import { applyConcurrently } from './apply-concurrently.js';
import { applyPlan, type ApplyOptions } from './apply-plan.js';
import type { ApplyResult } from './types.js';

export interface ExecutorOptions extends ApplyOptions {
  readonly concurrency?: number;
}

/**
 * The sequential executor (exact system-first order) unless `--concurrency N > 1` can be
 * honoured. Where it cannot (an engine with one writer, or `--tx-mode all`, whose one transaction
 * cannot span connections) the run goes on in order and says why, rather than failing a deploy
 * whose config sets a concurrency meant for another engine.
 */
export async function applyInOrderOrConcurrently(session: Session, plan: MigrationPlan, runId: string, options: ExecutorOptions): Promise<ApplyResult> {
  const concurrency = options.concurrency ?? 1;
  if (concurrency <= 1) return applyPlan(session, plan, runId, options);
  if (!session.capabilities.concurrentMigrations) {
    options.onEvent?.({ type: 'warning', message: `--concurrency ${concurrency} ignored: ${session.capabilities.oneAtATime ?? 'this database migrates one module at a time'}, so modules migrate one at a time` });
    return applyPlan(session, plan, runId, options);
  }
  if (options.txMode === 'all') {
    options.onEvent?.({ type: 'warning', message: `--concurrency ${concurrency} ignored: --tx-mode all runs everything in one transaction on one connection` });
    return applyPlan(session, plan, runId, options);
  }
  return applyConcurrently(session, plan, runId, { ...options, concurrency });
}
