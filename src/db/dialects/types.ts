import type { DatabaseTarget, Engine } from '../../config/types.js';

export type Row = Record<string, unknown>;

/**
 * One pinned connection to the database. Engine differences live behind this interface
 * and {@link Dialect} (kysely's adapter idea): the executor never asks which engine it runs on.
 */
export interface DbConnection {
  readonly engine: Engine;
  /** Runs one statement. Placeholders are written `?` whatever the engine. */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of many statements as the engine's native multi-statement call. */
  execScript(sql: string): Promise<void>;
  /** The driver's own connection object (a `pg.Client` or a better-sqlite3 `Database`), for knex. */
  readonly driverConnection: unknown;
  close(): Promise<void>;
}

/**
 * How each migration's own transaction begins and ends on one connection. Every migration stays
 * atomic with its history row; the engines differ in how they keep a thousand commits cheap
 * (PostgreSQL: asynchronous commit, SQLite: group commit with savepoints), so `flush` must run
 * before the phase reports anything as done.
 */
export interface MigrationTransactions {
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Makes every commit so far durable. Also runs before a migration that needs no transaction. */
  flush(): Promise<void>;
  /**
   * When the engine takes multi-statement scripts over a network, one round trip can carry the
   * whole migration: this wraps `body` and `record` (SQL text) into that script.
   */
  wrapScript?(body: string, record: string): string;
}

/** A lock that serialises modkit runners on one database for the whole db phase. */
export interface DatabaseLock {
  /** Tries once; true when this process now holds the lock. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
  /** Who holds the lock, when the engine can tell (for the lock-timeout message). */
  describeHolder(): Promise<string | undefined>;
}

export interface Dialect {
  readonly engine: Engine;
  /** Whether DDL is transactional, so a failed migration leaves no partial schema. */
  readonly supportsTransactionalDdl: boolean;
  /** The knex client name for script migrations. */
  readonly knexClient: 'pg' | 'better-sqlite3';
  /**
   * Opens one connection. `readOnly` connections refuse writes (plan, status, validate); for
   * SQLite a database file that does not exist yet yields `undefined` rather than creating it.
   */
  connect(target: DatabaseTarget, options?: { readonly readOnly?: boolean }): Promise<DbConnection | undefined>;
  /** How a migration's transaction starts (SQLite takes the write lock up front: `BEGIN IMMEDIATE`). */
  readonly beginSql: string;
  /** Whether independent modules may migrate at once on separate connections (`--concurrency`). */
  readonly supportsConcurrentMigrations: boolean;
  /** The commit policy of migrations' own transactions on `connection` (see MigrationTransactions). */
  migrationTransactions(connection: DbConnection): MigrationTransactions;
  /**
   * SQL for "milliseconds since this script started", evaluated by the server, so a migration sent
   * as one script can record its own duration. Engines without it record the client's measure.
   */
  readonly scriptElapsedMsSql?: string;
  /** The lock of the database `target` names (it may open a connection of its own). */
  createLock(target: DatabaseTarget): DatabaseLock;
  /** Lists `[table, column]` pairs of the tables whose names start with `prefix`, in one query. */
  listColumns(connection: DbConnection, prefix: string): Promise<readonly (readonly [string, string])[]>;
  /** The column type of the history table's `applied_at` (Rust: unix seconds, BIGINT). */
  readonly bigintType: string;
  /** Cancels the statement running on `connection`, if any (SIGINT during the db phase). */
  cancel(connection: DbConnection, target: DatabaseTarget): Promise<void>;
  /** The 1-based line of a database error inside the SQL text that caused it, when the engine reports one. */
  errorLine?(error: unknown, sql: string): number | undefined;
}
