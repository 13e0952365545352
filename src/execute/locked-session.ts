import { redactUrl } from '../config/database-url.js';
import type { DatabaseTarget } from '../config/types.js';
import { readHistories } from '../db/history-table.js';
import { openSession, type DbSession } from '../db/session.js';
import type { ModuleHistory } from '../plan/types.js';
import { acquireLock } from './acquire-lock.js';
import type { EventSink } from './types.js';

export interface LockedSessionOptions {
  readonly lockTimeoutMs: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

/** What a locked operation (rollback, baseline, repair) works with. */
export interface LockedSession {
  readonly session: DbSession;
  /** Read after the lock was taken, so a runner that waited sees what the previous holder did. */
  readonly histories: ReadonlyMap<string, ModuleHistory>;
  readonly lockWaitedMs: number;
}

/**
 * The shape of the db phase (runDbPhase) for the other writing commands: open the privileged
 * session, take the same database lock, read the histories of `modules`, run `work`, then
 * release the lock and close the connection whatever happened. A signal cancels the statement
 * in flight, as during migrate.
 */
export async function withLockedSession<T>(
  target: DatabaseTarget,
  modules: readonly string[],
  options: LockedSessionOptions,
  work: (locked: LockedSession) => Promise<T>,
): Promise<T> {
  const session = await openSession(target);
  const { dialect, connection } = session;
  const lock = dialect.createLock(connection, target);
  const onAbort = () => void dialect.cancel(connection, target).catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let locked = false;
  try {
    const lockWaitedMs = await acquireLock(lock, {
      timeoutMs: options.lockTimeoutMs,
      where: target.sqlitePath ?? redactUrl(target.url),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    locked = true;
    const histories = await readHistories(dialect, connection, modules);
    return await work({ session, histories, lockWaitedMs });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (locked) await lock.release().catch(() => undefined);
    await connection.close();
  }
}
