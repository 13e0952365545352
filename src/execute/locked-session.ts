import { redactUrl } from '../config/database-url.js';
import type { DatabaseTarget } from '../config/types.js';
import { readHistories } from '../db/history-table.js';
import { loadDialect } from '../db/load-dialect.js';
import type { DbSession } from '../db/session.js';
import type { ModuleHistory } from '../plan/types.js';
import { acquireLock } from './acquire-lock.js';
import { transactionsOf } from './transactions-of.js';
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
 * session, take the same database lock, read the histories of `modules`, run `work`, make its
 * commits durable, then release the lock and close the connections whatever happened. A signal
 * cancels the statement in flight, as during migrate.
 */
export async function withLockedSession<T>(
  target: DatabaseTarget,
  modules: readonly string[],
  options: LockedSessionOptions,
  work: (locked: LockedSession) => Promise<T>,
): Promise<T> {
  const dialect = await loadDialect(target.engine);
  // The lock's own connection (PostgreSQL) opens while the migration connection does.
  const lock = dialect.createLock(target);
  const connection = await dialect.connect(target).catch(async (error: unknown) => {
    await lock.release().catch(() => undefined);
    throw error;
  });
  const session: DbSession = { target, dialect, connection: connection! };
  const onAbort = () => void dialect.cancel(session.connection, target).catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const lockWaitedMs = await acquireLock(lock, {
      timeoutMs: options.lockTimeoutMs,
      where: target.sqlitePath ?? redactUrl(target.url),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const histories = await readHistories(dialect, session.connection, modules);
    const result = await work({ session, histories, lockWaitedMs });
    // Commits may be grouped or asynchronous (MigrationTransactions): durable before we report.
    await transactionsOf(session).flush();
    return result;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // After a failure too: what did commit must be durable before another runner goes on.
    await transactionsOf(session).flush().catch(() => undefined);
    await lock.release().catch(() => undefined); // safe when never acquired
    await session.connection.close();
  }
}
