import { sleep } from '../util/sleep.js';
import { stopwatch } from '../util/stopwatch.js';
import type { RunLock } from '../db/session.js';
import { ModkitError } from '../errors.js';
import type { EventSink } from './types.js';

export interface AcquireLockOptions {
  readonly timeoutMs: number;
  /** Already spent of `timeoutMs` on other databases' locks (one budget for all of them). */
  readonly spentMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
  /** Where the lock lives, for the timeout message (a redacted URL or a file). */
  readonly where: string;
  /** The database as the wait events name it, when an operation locks several. */
  readonly database?: string;
}

const FIRST_DELAY_MS = 25;
const MAX_DELAY_MS = 1_000;

/**
 * Takes the database lock by polling with exponential backoff and jitter. Never a blocking
 * wait: a PostgreSQL session blocked in pg_advisory_lock holds a snapshot, and a holder running
 * CREATE INDEX CONCURRENTLY would then wait for it forever (flyway #1654, golang-migrate #960).
 * Returns how long it waited, in ms.
 */
export async function acquireLock(lock: RunLock, options: AcquireLockOptions): Promise<number> {
  const elapsed = stopwatch();
  let delay = FIRST_DELAY_MS;
  let announced = false;
  const on = options.database ? { database: options.database } : {};
  const interrupted = () =>
    new ModkitError('interrupted', 'interrupted by a signal while waiting for the migration lock; nothing ran');
  for (;;) {
    if (options.signal?.aborted) throw interrupted();
    if (await lock.tryAcquire()) {
      const waitedMs = elapsed();
      if (announced) options.onEvent?.({ type: 'lock-acquired', waitedMs, ...on });
      return waitedMs;
    }
    if (!announced) {
      announced = true;
      const holder = await lock.describeHolder().catch(() => undefined);
      options.onEvent?.({ type: 'lock-wait', ...(holder ? { holder } : {}), ...on });
    }
    const left = options.timeoutMs - (options.spentMs ?? 0) - elapsed();
    if (left <= 0) {
      const holder = await lock.describeHolder().catch(() => undefined);
      throw new ModkitError(
        'lock-timeout',
        `could not take the migration lock on ${options.where} within ${options.timeoutMs} ms` +
          `${holder ? `: it is held by ${holder}` : ''}. Another modkit run is migrating this database; ` +
          'wait for it to finish, or raise --lock-timeout.',
        { details: { timeoutMs: options.timeoutMs, ...(holder ? { holder } : {}) } },
      );
    }
    await sleep(Math.min(left, delay / 2 + (Math.random() * delay) / 2), options.signal);
    if (options.signal?.aborted) throw interrupted();
    delay = Math.min(MAX_DELAY_MS, delay * 2);
  }
}
