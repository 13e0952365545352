import { sleep } from '../util/sleep.js';
import type { DbTimeouts } from '../config/types.js';
import type { LockTimeoutError, StepContext } from '../db/session.js';
import type { MigrationBody } from '../modules/load-body.js';
import type { Migration } from '../modules/types.js';
import type { EventSink } from './types.js';

/** The first retry waits about this long; each further one twice as long, at most {@link MAX_DELAY_MS}. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** A step's timeouts: the file's own markers win over the config and flags (docs/safety.md, "Lock timeouts and retries"). */
export function stepTimeouts(body: MigrationBody, config: DbTimeouts): NonNullable<StepContext['timeouts']> {
  return {
    lockMs: (body.format === 'sql' ? body.lockTimeoutMs : undefined) ?? config.lockMs,
    statementMs: (body.format === 'sql' ? body.statementTimeoutMs : undefined) ?? config.statementMs,
  };
}

/**
 * The retry policy of lock timeouts: up to `tries` tries in all, waiting with exponential backoff
 * and jitter between them (so that retries of several runners do not line up), one event per retry
 * naming who held the lock. A signal ends the waiting, and the step then fails.
 */
export function lockRetryPolicy(migration: Migration, tries: number, onEvent?: EventSink, signal?: AbortSignal) {
  return async (failure: LockTimeoutError, attempt: number): Promise<boolean> => {
    if (attempt >= tries || signal?.aborted) return false;
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
    const delayMs = Math.round(base / 2 + Math.random() * base);
    onEvent?.({
      type: 'lock-retry',
      module: migration.module,
      id: migration.id,
      attempt,
      tries,
      delayMs,
      lockTimeoutMs: failure.lockTimeoutMs,
      blockers: failure.blockers,
    });
    await sleep(delayMs, signal);
    return signal?.aborted !== true;
  };
}
