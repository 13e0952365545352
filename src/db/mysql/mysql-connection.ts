import mysql from 'mysql2/promise';
import type { Row, SqlRunner } from '../history-store.js';

/** How long to wait for a MySQL/MariaDB connection before calling the server unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Which server answers: their timeout settings differ (MariaDB `max_statement_time`, MySQL `max_execution_time`). */
export type ServerFlavour = 'mariadb' | 'mysql';

/**
 * Driver options for a URL (`mysql://` or `mariadb://`; mysql2 reads host, port, user, password,
 * database and query options from it). Timestamps travel as UTC both ways: the session's
 * `time_zone` is set to UTC on connect (see {@link SESSION_SETUP}) and mysql2 reads them as UTC.
 */
export function driverOptions(url: string): mysql.ConnectionOptions {
  return { uri: url, timezone: 'Z', connectTimeout: CONNECT_TIMEOUT_MS, supportBigNumbers: true };
}

/** Sent once per new connection (one round trip): UTC for TIMESTAMP columns. */
export const SESSION_SETUP = "SET time_zone = '+00:00'";

/** One mysql2 connection: the SqlRunner of a MySQL/MariaDB session. */
export class MysqlConnection implements SqlRunner {
  private flavourOf: Promise<ServerFlavour> | undefined;

  constructor(readonly connection: mysql.Connection) {}

  /** MariaDB says so in its version string (`10.11.6-MariaDB-0+deb12u1`); MySQL does not. Asked once, when needed. */
  flavour(): Promise<ServerFlavour> {
    this.flavourOf ??= this.query<{ v: string }>('SELECT VERSION() AS v').then(([row]) => (/mariadb/i.test(String(row?.v)) ? 'mariadb' : 'mysql'));
    return this.flavourOf;
  }

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    // `query` (text protocol, `?` escaped by the driver), not `execute`: no prepared statement to
    // set up for statements that run once, and every statement kind is allowed.
    const [rows] = await this.connection.query(sql, params as unknown[]);
    return (Array.isArray(rows) ? rows : []) as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.connection.query(sql);
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
export async function connectMysql(url: string): Promise<MysqlConnection> {
  const connection = await mysql.createConnection(driverOptions(url));
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
