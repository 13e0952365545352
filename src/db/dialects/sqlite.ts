import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { sqliteTransactions } from './sqlite-transactions.js';
import type { DatabaseLock, DbConnection, Dialect, Row } from './types.js';

/** The lock file beside a SQLite database: `<db>.modkit-lock`. */
export function sqliteLockPath(databasePath: string): string {
  return `${databasePath}.modkit-lock`;
}

class SqliteConnection implements DbConnection {
  readonly engine = 'sqlite';
  constructor(readonly driverConnection: Database.Database) {}

  /** Prepared statements by SQL text: history inserts repeat once per migration. */
  private readonly statements = new Map<string, Database.Statement>();

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.driverConnection.prepare(sql);
      this.statements.set(sql, statement);
    }
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  }

  async execScript(sql: string): Promise<void> {
    // better-sqlite3's exec runs every statement of the script (knex's raw would run only the first).
    this.driverConnection.exec(sql);
  }

  /** Run before closing: a group commit still open is committed, never silently rolled back. */
  readonly beforeClose: (() => void)[] = [];

  async close(): Promise<void> {
    for (const hook of this.beforeClose) hook();
    if (this.driverConnection.open) this.driverConnection.close();
  }
}

/**
 * Where npm builds better-sqlite3's addon (build/Release, also where its prebuilt binaries go).
 * Left to itself, better-sqlite3 finds it through the `bindings` package, which probes ~20 paths:
 * ~2.5 ms of every SQLite run. Without that file (a Debug build, a bundler), `undefined` keeps
 * better-sqlite3's own search.
 */
const nativeBinding: string | undefined = (() => {
  try {
    const file = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3')), '..', 'build', 'Release', 'better_sqlite3.node');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
})();

function open(path: string, url: string, options: Database.Options = {}): Database.Database {
  try {
    if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
    return new Database(path, nativeBinding ? { nativeBinding, ...options } : options);
  } catch (error) {
    throw unreachableError(url, error);
  }
}

export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  supportsTransactionalDdl: true,
  knexClient: 'better-sqlite3',
  bigintType: 'BIGINT',

  beginSql: 'BEGIN IMMEDIATE',
  // One writer per database: a second connection would only wait for the first.
  supportsConcurrentMigrations: false,
  migrationTransactions(connection) {
    const transactions = sqliteTransactions(connection.driverConnection as Database.Database);
    (connection as SqliteConnection).beforeClose.push(transactions.commitOpenGroup);
    return transactions;
  },

  async connect(target: DatabaseTarget, options = {}): Promise<DbConnection | undefined> {
    const path = target.sqlitePath!;
    if (options.readOnly) {
      // Opening a missing file would create it: a read-only look must leave no trace.
      if (path !== ':memory:' && !existsSync(path)) return undefined;
      return new SqliteConnection(open(path, target.url, { readonly: path !== ':memory:' }));
    }
    const db = open(path, target.url);
    // Wait briefly for the application's own writers instead of failing with SQLITE_BUSY.
    db.pragma('busy_timeout = 5000');
    return new SqliteConnection(db);
  },

  /**
   * SQLite has no advisory locks, and holding a write transaction on the database itself would
   * block the migrations. So the lock is a write transaction (`BEGIN IMMEDIATE`) on a separate
   * lock file: SQLite implements it with an OS file lock (fcntl), which the kernel drops when the
   * process dies, so a crashed runner can never leave the lock stuck (unlike knex's lock row).
   */
  createLock(target: DatabaseTarget): DatabaseLock {
    const path = target.sqlitePath!;
    let lockDb: Database.Database | undefined;
    return {
      async tryAcquire() {
        if (path === ':memory:') return true; // private to this connection: nobody to race
        // timeout 0: better-sqlite3 would otherwise block the event loop for 5 s in SQLite's busy handler.
        lockDb ??= open(sqliteLockPath(path), target.url, { timeout: 0 });
        try {
          lockDb.exec('BEGIN IMMEDIATE');
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
          throw error;
        }
      },
      async release() {
        if (!lockDb) return;
        if (lockDb.inTransaction) lockDb.exec('ROLLBACK');
        lockDb.close();
        lockDb = undefined;
      },
      async describeHolder() {
        return `another process, through the lock file ${sqliteLockPath(path)}`;
      },
    };
  },

  async listColumns(connection, prefix) {
    const rows = await connection.query<{ table_name: string; column_name: string }>(
      `SELECT m.name AS table_name, p.name AS column_name
         FROM sqlite_master m, pragma_table_info(m.name) p
        WHERE m.type = 'table' AND substr(m.name, 1, ?) = ?`,
      [prefix.length, prefix],
    );
    return rows.map((r) => [r.table_name, r.column_name] as const);
  },

  async cancel() {
    // better-sqlite3 runs statements synchronously: a signal is handled between statements.
  },
};
