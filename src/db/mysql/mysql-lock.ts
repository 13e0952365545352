import { createHash } from 'node:crypto';
import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import type { RunLock } from '../session.js';
import { connectMysql, databaseOf, type MysqlConnection } from './mysql-connection.js';

/**
 * How many connections of one run can join the work barrier (the main one, `--concurrency` forks,
 * a no-transaction script's own). One more has no slot: it works without it (see {@link takeWorkSlot}).
 */
const WORK_SLOTS = 64;

/** GET_LOCK names are server-wide (not per database) and at most 64 characters long. */
function lockName(kind: string, database: string): string {
  const name = `modkit:${kind}:${database}`;
  return name.length <= 64 ? name : `modkit:${kind}:${createHash('sha1').update(database).digest('hex')}`;
}

/** The names of one database's run lock and work slots. */
export function lockNames(database: string): { readonly run: string; readonly slots: readonly string[] } {
  return {
    run: lockName('run', database),
    slots: Array.from({ length: WORK_SLOTS }, (_, i) => lockName(`work${i}`, database)),
  };
}

/**
 * The lock of a MySQL/MariaDB run: user-level locks (GET_LOCK), which the server releases when the
 * connection holding them ends — so a killed runner never leaves one behind.
 *
 * 1. The run lock, on a dedicated connection that does nothing else: one run at a time, free to
 *    answer (who holds it, KILL QUERY) while the migration connections work.
 * 2. The work barrier. When a runner dies, the server ends its idle lock connection at once, but a
 *    migration connection may still be executing a statement (the server notices the closed socket
 *    only when the statement ends) and that statement still takes effect. MySQL's user locks have no
 *    shared mode, so every connection that runs migrations holds one of {@link WORK_SLOTS} slot locks
 *    for its whole life, and a new run, once it holds the run lock, starts only when no slot is held:
 *    every connection of every earlier run has ended. No statement of a new run overlaps a statement
 *    of an earlier, killed one.
 *
 * Both are polled with `GET_LOCK(name, 0)` (never a blocking wait), by acquire-lock's backoff.
 */
export class MysqlRunLock implements RunLock {
  private opened: Promise<MysqlConnection> | undefined;
  private readonly names: ReturnType<typeof lockNames>;
  private holdsRunLock = false;

  constructor(
    private readonly target: DatabaseTarget,
    /** Called once the barrier is clear: the working connection takes a slot before any statement. */
    private readonly joinBarrier: () => Promise<void>,
  ) {
    this.names = lockNames(databaseOf(target.url));
  }

  /**
   * The lock's connection, opened by the first use: a run that finds nothing to do without the
   * lock (db-phase.ts) never opens it, and so saves a connection and its setup.
   */
  private get opening(): Promise<MysqlConnection> {
    this.opened ??= connectMysql(this.target.url).catch((error: unknown) => {
      throw unreachableError(this.target.url, error);
    });
    return this.opened;
  }

  async tryAcquire(): Promise<boolean> {
    const connection = await this.opening;
    if (!this.holdsRunLock) {
      const [row] = await connection.query<{ locked: number | null }>('SELECT GET_LOCK(?, 0) AS locked', [
        this.names.run,
      ]);
      if (Number(row?.locked) !== 1) return false;
      this.holdsRunLock = true;
    }
    if ((await this.slotHolders(connection)).length > 0) return false;
    await this.joinBarrier();
    return true;
  }

  async describeHolder(): Promise<string | undefined> {
    const connection = await this.opening;
    if (this.holdsRunLock) {
      const ids = await this.slotHolders(connection);
      if (ids.length === 0) return undefined;
      const described = await Promise.all(ids.map((id) => this.describeConnection(id)));
      return `the ${ids.length === 1 ? 'connection' : 'connections'} of an earlier run that ended abruptly, still finishing: ${described.join('; ')}`;
    }
    const [row] = await connection.query<{ id: number | null }>('SELECT IS_USED_LOCK(?) AS id', [this.names.run]);
    return row?.id ? this.describeConnection(Number(row.id)) : undefined;
  }

  /** Connection `id` as PROCESSLIST shows it: user, client host, command, for how long, what it runs. */
  async describeConnection(id: number): Promise<string> {
    const connection = await this.opening;
    const [p] = await connection.query<Process>(
      `SELECT id, user, host, command, time, state, LEFT(REPLACE(REPLACE(info, '\\n', ' '), '\\r', ' '), 100) AS info
         FROM information_schema.PROCESSLIST WHERE id = ?`,
      [id],
    );
    if (!p) return `connection ${id}`;
    const doing = p.info
      ? `, running for ${p.time} s: ${p.info}`
      : `, ${String(p.command).toLowerCase()} for ${p.time} s`;
    return `connection ${p.id} (user ${p.user} from ${p.host}${p.state ? `, ${p.state}` : ''}${doing})`;
  }

  /** Who connection `id` waits for, as far as the server tells (MySQL 8: performance_schema.data_lock_waits). */
  async blockersOf(id: number): Promise<string[]> {
    const connection = await this.opening;
    // Sessions whose open transaction is older than the waiting statement are who it can wait for:
    // InnoDB's lock waits (information_schema.INNODB_TRX) name the blocking trx when rows are locked,
    // metadata locks are held by any open transaction that touched the table.
    const rows = await connection
      .query<{ id: number }>(
        `SELECT DISTINCT t.trx_mysql_thread_id AS id FROM information_schema.INNODB_TRX t
          WHERE t.trx_mysql_thread_id <> ? ORDER BY t.trx_started LIMIT 5`,
        [id],
      )
      .catch(() => []);
    return Promise.all(rows.map((r) => this.describeConnection(Number(r.id))));
  }

  /** Stops the statement connection `id` is running (a KILL must come from another connection). */
  async cancel(id: number): Promise<void> {
    const connection = await this.opening;
    await connection.query('KILL QUERY ?', [id]);
  }

  async release(): Promise<void> {
    const connection = await this.opened?.catch(() => undefined);
    if (!connection) return;
    // Closing the connection releases the lock too; releasing first says so explicitly.
    if (this.holdsRunLock) await connection.query('SELECT RELEASE_LOCK(?)', [this.names.run]).catch(() => undefined);
    this.holdsRunLock = false;
    await connection.close();
  }

  /** The ids of the connections holding a work slot of this database (one query). */
  private async slotHolders(connection: MysqlConnection): Promise<number[]> {
    const [row] = await connection.query<Record<string, number | null>>(
      `SELECT ${this.names.slots.map((_, i) => `IS_USED_LOCK(?) AS s${i}`).join(', ')}`,
      this.names.slots,
    );
    return Object.values(row ?? {})
      .filter((id): id is number => id !== null)
      .map(Number);
  }
}

/**
 * Whether any run is migrating `target` now (`modkit wait`): some connection holds its run lock or
 * a work slot (an earlier run's connection still finishing). IS_USED_LOCK only looks; it takes nothing.
 */
export async function mysqlRunLockHeld(target: DatabaseTarget): Promise<boolean> {
  const names = lockNames(databaseOf(target.url));
  const all = [names.run, ...names.slots];
  const connection = await connectMysql(target.url).catch((error: unknown) => {
    throw unreachableError(target.url, error);
  });
  try {
    const looks = all.map(() => 'IS_USED_LOCK(?)').join(', ');
    const [row] = await connection.query<{ held: number }>(`SELECT COALESCE(${looks}) IS NOT NULL AS held`, all);
    return Number(row?.held) === 1;
  } finally {
    await connection.close();
  }
}

/**
 * The statement a migration connection sends to take the first free work slot (one round trip:
 * CASE stops at the first GET_LOCK that succeeds). Its result is the slot, or NULL when all are
 * taken — then the connection works without one (more than {@link WORK_SLOTS} connections of one
 * run), and only the run lock protects it.
 */
export function takeWorkSlot(database: string): { readonly sql: string; readonly params: readonly string[] } {
  const { slots } = lockNames(database);
  return {
    sql: `SELECT CASE ${slots.map((_, i) => `WHEN GET_LOCK(?, 0) = 1 THEN ${i}`).join(' ')} END AS slot`,
    params: slots,
  };
}

interface Process extends Record<string, unknown> {
  readonly id: number;
  readonly user: string;
  readonly host: string;
  readonly command: string;
  readonly time: number;
  readonly state: string | null;
  readonly info: string | null;
}
