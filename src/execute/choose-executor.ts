import { describeTarget } from '../config/database-url.js';
import type { MigrationPlan } from '../plan/types.js';
import { applyConcurrently } from './apply-concurrently.js';
import { applyPlan, type ApplyOptions } from './apply-plan.js';
import type { DatabaseSessions } from './locked-session.js';
import type { ApplyResult } from './types.js';

export interface ExecutorOptions extends ApplyOptions {
  readonly concurrency?: number;
}

/**
 * The sequential executor (exact system-first order) unless `--concurrency N > 1` can be
 * honoured. Where it cannot (one database whose engine has one writer, or `--tx-mode all`, whose
 * one transaction cannot span connections) the run goes on in order and says why, rather than
 * failing a deploy whose config sets a concurrency meant for another engine. Over several
 * databases, each migrates as its engine allows (one module at a time on SQLite), side by side.
 */
export async function applyInOrderOrConcurrently(
  sessions: DatabaseSessions,
  plan: MigrationPlan,
  runId: string,
  options: ExecutorOptions,
): Promise<ApplyResult> {
  const concurrency = options.concurrency ?? 1;
  if (concurrency <= 1) return applyPlan(sessions, plan, runId, options);
  if (options.txMode === 'all') {
    options.onEvent?.({
      type: 'warning',
      message: `--concurrency ${concurrency} ignored: --tx-mode all runs everything in one transaction on one connection`,
    });
    return applyPlan(sessions, plan, runId, options);
  }
  const oneAtATime = sessions.sessions.filter((s) => !s.capabilities.concurrentMigrations);
  const why = (s: DatabaseSessions['sessions'][number]) =>
    s.capabilities.oneAtATime ?? 'this database migrates one module at a time';
  if (sessions.sessions.length === 1 && oneAtATime.length === 1) {
    options.onEvent?.({
      type: 'warning',
      message: `--concurrency ${concurrency} ignored: ${why(oneAtATime[0]!)}, so modules migrate one at a time`,
    });
    return applyPlan(sessions, plan, runId, options);
  }
  for (const s of oneAtATime) {
    options.onEvent?.({
      type: 'warning',
      message: `--concurrency ${concurrency}: ${describeTarget(s.target)} migrates one module at a time (${why(s)})`,
    });
  }
  return applyConcurrently(sessions, plan, runId, { ...options, concurrency });
}
