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
 * mysql2 asks the server for IGNORE_SPACE in the session's sql_mode, where `CREATE TABLE count (a
 * INT)` fails and every routine stores another sql_mode than the `mariadb`/`mysql` clients' one:
 * without it the session runs the server's global sql_mode, as theirs do (issue 19 §3).
 */
export function driverOptions(url: string): mysql.ConnectionOptions {
  return {
    uri: url,
    timezone: 'Z',
    connectTimeout: CONNECT_TIMEOUT_MS,
    supportBigNumbers: true,
    flags: ['-IGNORE_SPACE'],
    // mysql2 captures a stack trace for every query by default, to put the caller's frames in a
    // failed query's stack: ≈ 5 % of the client's instructions in an apply (three queries a
    // migration). modkit reports the server's message and the migration's line, never that stack.
    trace: false,
  };
}

/** Server status bits of an OK packet (MySQL protocol): an open transaction, a changed session state. */
const SERVER_STATUS_IN_TRANS = 1;
const SERVER_SESSION_STATE_CHANGED = 0x4000;

/**
 * Sent once per new connection (one round trip): utf8mb4 in the server's default collation for it
 * (not the driver's fixed one, nor a client's locale), UTC for TIMESTAMP columns, and session-state
 * tracking, by which the server says in its OK packets when a statement changed the session (a
 * variable, the default database, a role, a user variable, a temporary table): such a migration's
 * session is reset before the next one (mysql-session-state.ts).
 */
export const SESSION_SETUP =
  "SET NAMES utf8mb4, time_zone = '+00:00', session_track_system_variables = '*', session_track_state_change = ON";

/** What a migration connection runs to be as new after a reset: the setup, its database, `also` (its work slot). */
export function sessionSetup(database: string, also: string): string {
  return `${SESSION_SETUP}; USE \`${database.replace(/`/g, '``')}\`; ${also}`;
}

/** One mysql2 connection: the SqlRunner of a MySQL/MariaDB session. */
export class MysqlConnection implements SqlRunner {
  private traitsOf: Promise<ServerTraits> | undefined;

  constructor(readonly connection: mysql.Connection) {}

  /** What the timeouts and retries depend on, asked once (one round trip). */
  traits(): Promise<ServerTraits> {
    this.traitsOf ??= this.query<{ v: string; r: unknown }>(
      'SELECT VERSION() AS v, @@innodb_rollback_on_timeout AS r',
    ).then(([row]) => ({
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

  /** Runs `sql` (one or more statements) and returns the rows the last statement changed or matched. */
  async execCounted(sql: string): Promise<number> {
    const [result] = await this.track(this.connection.query(sql));
    const header = (Array.isArray(result) ? result.at(-1) : result) as { affectedRows?: unknown } | undefined;
    return Number(header?.affectedRows ?? 0);
  }

  /**
   * How many statements so far said they changed the session's state: compare two readings to
   * know whether the statements between them did.
   */
  stateChanges = 0;

  /**
   * Puts the session back as a new connection has it (COM_RESET_CONNECTION: variables, default
   * database, roles, user variables, temporary tables, user locks), rolling back any open
   * transaction, then runs `setup` (several statements). Two round trips.
   */
  async reset(setup: string): Promise<void> {
    await this.connection.reset();
    this.inTransaction = false;
    await this.exec(setup);
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
    const headers = (Array.isArray(first) ? first : [first]) as ({ serverStatus?: unknown } | undefined)[];
    const changed = (h: { serverStatus?: unknown } | undefined) =>
      typeof h?.serverStatus === 'number' && (h.serverStatus & SERVER_SESSION_STATE_CHANGED) !== 0;
    this.stateChanges += headers.filter(changed).length;
    const header = headers.at(-1);
    if (typeof header?.serverStatus === 'number')
      this.inTransaction = (header.serverStatus & SERVER_STATUS_IN_TRANS) !== 0;
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
export async function connectMysql(
  url: string,
  options: { readonly multipleStatements?: boolean } = {},
): Promise<MysqlConnection> {
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
