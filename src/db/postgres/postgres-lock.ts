import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { postgresLockKeys, type PostgresLockKeys } from '../lock-key.js';
import type { RunLock } from '../session.js';
import { APPLICATION_NAMES, connectClient, PostgresConnection } from './postgres-connection.js';

/**
 * The lock of a PostgreSQL run: two advisory locks, because one is not enough once a runner can be
 * killed.
 *
 * 1. The run lock (`POSTGRES_LOCK_KEY`), a session lock on a dedicated connection (`modkit-lock`):
 *    one run at a time. Its connection does nothing else, so it is free to answer while the
 *    migration connections work, fail or are cancelled.
 * 2. The work barrier (`POSTGRES_BARRIER_KEY`): every connection that runs migrations holds it in
 *    SHARE mode for its whole life. When a runner dies, the server ends the lock connection at once,
 *    but a migration connection may still be executing a statement it received (a whole migration
 *    travels in one message) and can commit it. So a new run, once it holds the run lock, waits
 *    until it can take the barrier EXCLUSIVELY — which happens only when every backend of every
 *    earlier run has ended — and only then starts. Hence: no statement of a new run overlaps a
 *    statement of an earlier run, even a killed one, with any number of connections.
 *
 * Both are polled (`pg_try_advisory_lock`), never awaited: a session blocked in a lock wait holds a
 * snapshot, and a holder running CREATE INDEX CONCURRENTLY would wait for it forever.
 *
 * Both keys belong to the target's history schema ({@link postgresLockKeys}): tenants of one
 * database, each in its own schema, lock and fence only themselves.
 */
export class PostgresRunLock implements RunLock {
  private opened: Promise<PostgresConnection> | undefined;
  private holdsRunLock = false;
  readonly keys: PostgresLockKeys;
  private readonly lockKey: string;
  private readonly barrierKey: string;

  constructor(
    private readonly target: DatabaseTarget,
    /** Called once the barrier is clear: the working connection joins it (SHARE) before any statement. */
    private readonly joinBarrier: () => Promise<void>,
    /** A pool's lock connection, lent for this run, and how to give it back; default: a connection of its own. */
    private readonly borrowed?: {
      readonly connection: PostgresConnection;
      readonly giveBack: (healthy: boolean) => void;
    },
  ) {
    this.keys = postgresLockKeys(target.schema);
    this.lockKey = this.keys.lock.toString();
    this.barrierKey = this.keys.barrier.toString();
    if (borrowed) this.opened = Promise.resolve(borrowed.connection);
  }

  /**
   * The lock's own connection, opened by its first use: a migrate that finds nothing to do without
   * the lock (execute/locked-session.ts) never opens it, and so saves a connection and its setup.
   */
  private get opening(): Promise<PostgresConnection> {
    this.opened ??= connectClient(this.target.url, [], APPLICATION_NAMES.lock).then(
      (client) => new PostgresConnection(client),
      (error: unknown) => {
        throw unreachableError(this.target.url, error);
      },
    );
    return this.opened;
  }

  async tryAcquire(): Promise<boolean> {
    const connection = await this.opening;
    if (!this.holdsRunLock) {
      // Both looks in one round trip (a fleet takes a thousand of these): the barrier is looked at
      // only once the run lock is ours; -1 = lock taken by another run, 0 = ours but barrier held.
      const [row] = await connection.query<{ state: number }>(
        'SELECT CASE WHEN pg_try_advisory_lock(?::bigint) THEN (CASE WHEN pg_try_advisory_lock(?::bigint) THEN pg_advisory_unlock(?::bigint) ELSE false END)::int ELSE -1 END AS state',
        [this.lockKey, this.barrierKey, this.barrierKey],
      );
      if (row?.state === undefined || row.state === -1) return false;
      this.holdsRunLock = true;
      if (row.state !== 1) return false;
      await this.joinBarrier();
      return true;
    }
    // Clear when nobody holds the barrier: take it exclusively and let go at once (CASE keeps the order).
    const [row] = await connection.query<{ clear: boolean }>(
      'SELECT CASE WHEN pg_try_advisory_lock(?::bigint) THEN pg_advisory_unlock(?::bigint) ELSE false END AS clear',
      [this.barrierKey, this.barrierKey],
    );
    if (row?.clear !== true) return false;
    await this.joinBarrier();
    return true;
  }

  async describeHolder(): Promise<string | undefined> {
    const connection = await this.opening;
    if (this.holdsRunLock) {
      const rows = await connection.query<Holder>(`${HOLDERS} AND l.mode = 'ShareLock'`, keyParts(this.keys.barrier));
      if (rows.length === 0) return undefined;
      return `the ${rows.length === 1 ? 'backend' : 'backends'} of an earlier run that ended abruptly, still finishing: ${rows.map(describe).join('; ')}`;
    }
    const [holder] = await connection.query<Holder>(
      `${HOLDERS} AND l.mode = 'ExclusiveLock'`,
      keyParts(this.keys.lock),
    );
    return holder ? describe(holder) : undefined;
  }

  /** The sessions backend `pid` waits for right now, described (pid, user, application, query). */
  async blockersOf(pid: number): Promise<string[]> {
    const connection = await this.opening;
    const rows = await connection.query<Blocker>(
      `SELECT pid, usename, application_name, state, to_char(query_start, 'YYYY-MM-DD"T"HH24:MI:SS') AS since, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
         FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids(?)) ORDER BY pid`,
      [pid],
    );
    return rows.map(
      (b) =>
        `backend pid ${b.pid} (user ${b.usename}, application "${b.application_name}", ${b.state ?? 'unknown state'}, query started ${b.since ?? '?'}: ${b.query})`,
    );
  }

  /** Cancels the statement running on backend `pid` (a cancel must come from another connection). */
  async cancel(pid: number): Promise<void> {
    const connection = await this.opening;
    await connection.query('SELECT pg_cancel_backend(?)', [pid]);
  }

  async release(): Promise<void> {
    const connection = await this.opened?.catch(() => undefined);
    if (!connection) return;
    // Closing the session releases the lock too; unlocking first says so explicitly.
    let healthy = true;
    if (this.holdsRunLock)
      await connection.query('SELECT pg_advisory_unlock(?::bigint)', [this.lockKey]).catch(() => (healthy = false));
    this.holdsRunLock = false;
    if (this.borrowed) this.borrowed.giveBack(healthy);
    else await connection.close();
  }
}

/** Takes the barrier of `keys` in SHARE mode on a migration connection; it holds it until it closes (or DISCARD ALL). */
export async function joinBarrier(connection: PostgresConnection, keys: PostgresLockKeys, then = ''): Promise<void> {
  // Nobody can hold it exclusively now (only the run-lock holder ever tries, and that is us), so
  // this returns at once. `then`: statements of the same round trip (a pooled session's search_path).
  if (then) await connection.exec(`SELECT pg_advisory_lock_shared(${keys.barrier.toString()}::bigint); ${then}`);
  else await connection.query('SELECT pg_advisory_lock_shared(?::bigint)', [keys.barrier.toString()]);
}

interface Blocker extends Record<string, unknown> {
  readonly pid: number;
  readonly usename: string;
  readonly application_name: string;
  readonly state: string | null;
  readonly since: string | null;
  readonly query: string;
}

interface Holder extends Record<string, unknown> {
  readonly pid: number;
  readonly usename: string;
  readonly application_name: string;
  readonly client_addr: string | null;
  readonly since: string;
  readonly state: string | null;
}

const HOLDERS = `SELECT a.pid, a.usename, a.application_name, host(a.client_addr) AS client_addr, a.state,
       to_char(a.backend_start, 'YYYY-MM-DD"T"HH24:MI:SS') AS since
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.classid = ? AND l.objid = ? AND l.objsubid = 1`;

/** A bigint advisory key as pg_locks shows it: high and low 32 bits. */
function keyParts(key: bigint): number[] {
  return [Number(key >> 32n), Number(key & 0xffffffffn)];
}

function describe(holder: Holder): string {
  const from = holder.client_addr ? ` from ${holder.client_addr}` : '';
  const state = holder.state ? `, ${holder.state}` : '';
  return `backend pid ${holder.pid} (user ${holder.usename}, application "${holder.application_name}"${from}, connected since ${holder.since}${state})`;
}

/**
 * Whether any run is migrating `target` now (`modkit wait`): someone holds its run lock, or a
 * backend of an earlier run still holds the work barrier. Reads `pg_locks` only; takes no lock.
 */
export async function postgresRunLockHeld(target: DatabaseTarget): Promise<boolean> {
  const keys = postgresLockKeys(target.schema);
  const readOnly = ['default_transaction_read_only=on'];
  const client = await connectClient(target.url, readOnly, APPLICATION_NAMES.lock).catch((error: unknown) => {
    throw unreachableError(target.url, error);
  });
  const connection = new PostgresConnection(client);
  try {
    const rows = await connection.query(
      `SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((l.classid = ? AND l.objid = ?) OR (l.classid = ? AND l.objid = ?)) LIMIT 1`,
      [...keyParts(keys.lock), ...keyParts(keys.barrier)],
    );
    return rows.length > 0;
  } finally {
    await connection.close();
  }
}
