import { groupBySameDatabase, type DatabaseGroup } from '../config/database-groups.js';
import { describeTarget, targetLocation } from '../config/database-url.js';
import type { DatabasePlacement } from '../config/module-databases.js';
import { identifyDatabase, openSession } from '../db/load-engine.js';
import type { Session } from '../db/session.js';
import type { DatabaseTarget } from '../config/types.js';
import type { ModuleHistory } from '../plan/types.js';
import { stopwatch } from '../util/stopwatch.js';
import { acquireLock } from './acquire-lock.js';
import { LateWorkError } from './script-work.js';
import type { EventSink } from './types.js';

export interface LockedSessionOptions {
  /** One budget for all the locks of the operation together. */
  readonly lockTimeoutMs: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
  /** How each database's session is opened: default, new connections (a fleet lends pooled ones). */
  readonly open?: (target: DatabaseTarget) => Promise<Session>;
  /**
   * A look at the histories before any lock, on the same connections: true ends the operation
   * there, without locks, its `work` given these histories; false takes the locks and reads the
   * histories again under them. Only for an operation that changes nothing on the histories for
   * which it says true (migrate: nothing-to-do.ts).
   */
  readonly withoutLocksIf?: (histories: ReadonlyMap<string, ModuleHistory>) => boolean;
}

/** The open sessions of an operation: one per database, each holding that database's lock. */
export interface DatabaseSessions {
  /** The databases, in lock order (canonical key), with their modules. */
  readonly groups: readonly DatabaseGroup[];
  /** Each group's session, in the same order. */
  readonly sessions: readonly Session[];
  /** The session of the database that holds `module`'s history. */
  of(module: string): Session;
}

/** What a locked operation (migrate, rollback, baseline, repair) works with. */
export interface LockedSession {
  readonly sessions: DatabaseSessions;
  /** Read after the locks were taken, so a runner that waited sees what the previous holder did. */
  readonly histories: ReadonlyMap<string, ModuleHistory>;
  /** The time spent waiting for all the locks. */
  readonly lockWaitedMs: number;
}

/**
 * The shape of every writing command, over however many databases `modules` live in: open one
 * session per database, take every database's lock in ONE fixed order (sorted by canonical key, so
 * two runners never hold one lock each while waiting for the other's), read the histories of
 * `modules` from their databases, run `work`, make each database's commits durable, then release
 * the locks and close the connections whatever happened (a crash releases them too: each engine's
 * lock dies with its connection or process). A signal cancels the statements in flight.
 * `withoutLocksIf` first reads the histories without the locks and may end the operation there.
 */
export async function withLockedSession<T>(
  placement: DatabasePlacement,
  modules: readonly string[],
  options: LockedSessionOptions,
  work: (locked: LockedSession) => Promise<T>,
): Promise<T> {
  // One database spelled two ways is one group: else the run would wait for its own lock.
  const groups = await groupBySameDatabase(placement, modules, identifyDatabase);
  const opened: Session[] = [];
  const onAbort = () => {
    // A migration's late error stops the run before the next migration: what runs now is another's.
    if (options.signal?.reason instanceof LateWorkError) return;
    for (const session of opened) void session.cancel().catch(() => undefined);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let failed = false;
  const finish = async (result: T) => {
    // Commits may be grouped or asynchronous: durable before we report success.
    for (const session of opened) await session.flush();
    return result;
  };
  try {
    const open = options.open ?? openSession;
    for (const group of groups) opened.push(await open(group.target));
    const readAll = async () => {
      const histories = new Map<string, ModuleHistory>();
      for (const [i, group] of groups.entries()) {
        for (const [module, history] of await opened[i]!.readHistories(group.modules)) histories.set(module, history);
      }
      return histories;
    };
    const sessions = databaseSessions(groups, opened);
    if (options.withoutLocksIf) {
      // Nothing to do on what every database shows now: no lock, not even its connection (MariaDB's
      // and SQLite's are opened by the first try). What another runner commits meanwhile only adds
      // to histories that need nothing, as if this run had ended just before that one started.
      // A read that fails here (SQLite busy under another run's write, for one) only means this
      // run cannot tell: it takes the locks as before, and reads again under them.
      const histories = await readAll().catch(() => undefined);
      if (histories && options.withoutLocksIf(histories))
        return await finish(await work({ sessions, histories, lockWaitedMs: 0 }));
    }
    const elapsed = stopwatch();
    for (const [i, group] of groups.entries()) {
      await acquireLock(opened[i]!.lock!, {
        timeoutMs: options.lockTimeoutMs,
        spentMs: elapsed(),
        where: targetLocation(group.target),
        // Name the database in the wait lines only when there is more than one to tell apart.
        ...(groups.length > 1 ? { database: describeTarget(group.target) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
    }
    const lockWaitedMs = elapsed();
    // Under the locks, read again: a runner that waited sees what the previous holder did.
    return await finish(await work({ sessions, histories: await readAll(), lockWaitedMs }));
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // After a failure too: what did commit is made durable (close flushes) before each lock goes,
    // and every session is closed even when closing another one failed.
    const problems: unknown[] = [];
    for (const session of opened.reverse()) await session.close().catch((error: unknown) => problems.push(error));
    // biome-ignore lint/correctness/noUnsafeFinally: only when the work succeeded: a failed close must not pass for success
    if (!failed && problems.length > 0) throw problems[0];
  }
}

/** The sessions of `groups` (same order), routed by module. */
export function databaseSessions(groups: readonly DatabaseGroup[], sessions: readonly Session[]): DatabaseSessions {
  const byModule = new Map<string, Session>();
  for (const [i, group] of groups.entries()) for (const module of group.modules) byModule.set(module, sessions[i]!);
  return {
    groups,
    sessions,
    of(module) {
      const session = byModule.get(module);
      if (!session) throw new Error(`internal error: module "${module}" has no database session in this operation`);
      return session;
    },
  };
}
