import mysql from 'mysql2/promise';
import type { Row, SqlRunner } from '../history-store.js';

/** How long to wait for a MySQL/MariaDB connection before calling the server unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Which server answers: their timeout settings differ (MariaDB `max_statement_time`, MySQL `max_execution_time`). */
export type ServerFlavour = 'mariadb' | 'mysql';

export interface ServerTraits {
  readonly flavour: ServerFlavour;
  /**
   * `innodb_rollback_on_timeout`: a row-lock timeout rolls back the whole transaction, not only the
   * statement, so retrying the statement alone would lose what came before it.
   */
  readonly rollbackOnTimeout: boolean;
}

/**
 * Driver options for a URL (`mysql://` or `mariadb://`; mysql2 reads host, port, user, password,
 * database and query options from it). Timestamps travel as UTC both ways: the session's
 * `time_zone` is set to UTC on connect (see {@link SESSION_SETUP}) and mysql2 reads them as UTC.
 */
export function driverOptions(url: string): mysql.ConnectionOptions {
  return { uri: url, timezone: 'Z', connectTimeout: CONNECT_TIMEOUT_MS, supportBigNumbers: true };
}

/** The server status bit of an open transaction (MySQL protocol, OK packet). */
const SERVER_STATUS_IN_TRANS = 1;

/** Sent once per new connection (one round trip): UTC for TIMESTAMP columns. */
export const SESSION_SETUP = "SET time_zone = '+00:00'";

/** One mysql2 connection: the SqlRunner of a MySQL/MariaDB session. */
export class MysqlConnection implements SqlRunner {
  private traitsOf: Promise<ServerTraits> | undefined;

  constructor(readonly connection: mysql.Connection) {}

  /** What the timeouts and retries depend on, asked once (one round trip). */
  traits(): Promise<ServerTraits> {
    this.traitsOf ??= this.query<{ v: string; r: unknown }>('SELECT VERSION() AS v, @@innodb_rollback_on_timeout AS r').then(([row]) => ({
      // MariaDB says so in its version string (`10.11.6-MariaDB-0+deb12u1`); MySQL does not.
      flavour: /mariadb/i.test(String(row?.v)) ? 'mariadb' : 'mysql',
      rollbackOnTimeout: Number(row?.r) === 1,
    }));
    return this.traitsOf;
  }

  /**
   * Whether a transaction is open after the last statement, from the server's status flag in its
   * OK packet (SERVER_STATUS_IN_TRANS); undefined when the last statement returned rows, which
   * carry no status. Tells whether DDL just committed implicitly, without a round trip.
   */
  inTransaction: boolean | undefined;

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    // `query` (text protocol, `?` escaped by the driver), not `execute`: no prepared statement to
    // set up for statements that run once, and every statement kind is allowed.
    const [rows] = await this.track(this.connection.query(sql, params as unknown[]));
    return (Array.isArray(rows) ? rows : []) as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.track(this.connection.query(sql));
  }

  /** `sql` with `?` replaced by escaped literals, as the driver itself sends them. */
  format(sql: string, params: readonly unknown[]): string {
    return this.connection.format(sql, params as unknown[]);
  }

  private async track<R extends [unknown, unknown]>(running: Promise<R>): Promise<R> {
    this.inTransaction = undefined;
    const result = await running;
    const [first] = result;
    // A CALL answers with several results, the last one its OK packet.
    const header = (Array.isArray(first) ? first.at(-1) : first) as { serverStatus?: unknown } | undefined;
    if (typeof header?.serverStatus === 'number') this.inTransaction = (header.serverStatus & SERVER_STATUS_IN_TRANS) !== 0;
    return result;
  }

  /** The server's id of this connection (`CONNECTION_ID()`, the id `KILL` and PROCESSLIST use). */
  get id(): number {
    return this.connection.threadId ?? 0;
  }

  async close(): Promise<void> {
    await this.connection.end().catch(() => this.connection.destroy());
  }
}

/** Opens a connection whose session reads and writes TIMESTAMPs in UTC. */
export async function connectMysql(url: string, options: { readonly multipleStatements?: boolean } = {}): Promise<MysqlConnection> {
  const connection = await mysql.createConnection({ ...driverOptions(url), ...options });
  // An idle connection whose server goes away emits 'error'; without a listener Node would crash.
  connection.on('error', () => undefined);
  try {
    await connection.query(SESSION_SETUP);
  } catch (error) {
    connection.destroy();
    throw error;
  }
  return new MysqlConnection(connection);
}

/** The database a URL names (its path), or '' when it names none. */
export function databaseOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1));
  } catch {
    return '';
  }
}
