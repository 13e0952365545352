import { targetLocation } from '../config/database-url.js';
import type { DatabaseTarget } from '../config/types.js';
import { openSession } from '../db/load-engine.js';
import type { Session } from '../db/session.js';
import type { ModuleHistory } from '../plan/types.js';
import { acquireLock } from './acquire-lock.js';
import type { EventSink } from './types.js';

export interface LockedSessionOptions {
  readonly lockTimeoutMs: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

/** What a locked operation (migrate, rollback, baseline, repair) works with. */
export interface LockedSession {
  readonly session: Session;
  /** Read after the lock was taken, so a runner that waited sees what the previous holder did. */
  readonly histories: ReadonlyMap<string, ModuleHistory>;
  readonly lockWaitedMs: number;
}

/**
 * The shape of every writing command: open the target's session, take its lock, read the
 * histories of `modules`, run `work`, make its commits durable, then release the lock and close
 * the connections whatever happened. A signal cancels the statement in flight.
 */
export async function withLockedSession<T>(
  target: DatabaseTarget,
  modules: readonly string[],
  options: LockedSessionOptions,
  work: (locked: LockedSession) => Promise<T>,
): Promise<T> {
  const session = await openSession(target);
  const onAbort = () => void session.cancel().catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const lockWaitedMs = await acquireLock(session.lock!, {
      timeoutMs: options.lockTimeoutMs,
      where: targetLocation(target),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const histories = await session.readHistories(modules);
    const result = await work({ session, histories, lockWaitedMs });
    // Commits may be grouped or asynchronous: durable before we report success.
    await session.flush();
    return result;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // After a failure too: what did commit is made durable before another runner goes on.
    await session.close();
  }
}
