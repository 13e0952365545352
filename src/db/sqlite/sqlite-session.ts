import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { DatabaseTarget } from '../../config/types.js';
import { ModkitError } from '../../errors.js';
import { stopwatch } from '../../util/stopwatch.js';
import { unreachableError } from '../connection-errors.js';
import type { HistoryDialect } from '../history-store.js';
import type { Knex } from '../../modules/knex-types.js';
import { SessionBase } from '../session-base.js';
import { GuardLost, SAVEPOINT_GUARD } from '../body-guard.js';
import { BodyError, CommitUnconfirmedError, type MigrationStep, type Session, type StepContext } from '../session.js';
import { splitSqlStatements } from '../split-sql.js';
import { BUSY_TIMEOUT_MS, openDatabase, SqliteConnection } from './sqlite-connection.js';
import { sqliteHistory } from './sqlite-history.js';
import { SqliteRunLock } from './sqlite-lock.js';

/** How long one group of migrations may stay uncommitted. */
const GROUP_COMMIT_MS = 200;

/**
 * Opens a SQLite session. Read-only: a database file that does not exist yet gives `undefined`
 * (opening it would create it, and a look must leave no trace).
 */
export async function openSqlite(target: DatabaseTarget, options: { readonly readOnly?: boolean } = {}): Promise<Session | undefined> {
  const path = target.sqlitePath!;
  if (options.readOnly && path !== ':memory:' && !existsSync(path)) return undefined;
  let db;
  try {
    db = openDatabase(path, options.readOnly ? { readonly: path !== ':memory:' } : {});
  } catch (error) {
    throw unreachableError(target.url, error);
  }
  // Wait briefly for the application's own writers instead of failing with SQLITE_BUSY.
  if (!options.readOnly) db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return new SqliteSession(target, new SqliteConnection(db), options.readOnly ? undefined : new SqliteRunLock(target));
}

/**
 * SQLite: transactional DDL, one writer per database (no `--concurrency`), statements run in this
 * process. Group commit: each migration runs in a SAVEPOINT inside a write transaction committed
 * every ~200 ms (and by `flush`), so every migration stays atomic with its history row while a
 * thousand of them do not pay a thousand commits (several fsyncs each: 3.4 s against 0.05 s here).
 * A crash loses the uncommitted group as a whole, history rows included, and the rerun applies it
 * again. A SQL file runs in one `exec`; only when it fails is it replayed statement by statement,
 * inside the same savepoint, to name the failing line (SQLite reports no error position).
 */
export class SqliteSession extends SessionBase {
  readonly capabilities = { concurrentMigrations: false, oneAtATime: 'SQLite has one writer per database', transactionalDdl: true };
  protected readonly dialect: HistoryDialect;
  protected readonly knexClient = 'better-sqlite3';
  protected readonly transactionSql = { begin: 'BEGIN IMMEDIATE', commit: 'COMMIT', rollback: 'ROLLBACK' };
  protected override readonly bodyGuard = SAVEPOINT_GUARD;
  private groupAge = stopwatch();
  private groupOpen = false;

  constructor(
    target: DatabaseTarget,
    private readonly connection: SqliteConnection,
    readonly lock?: SqliteRunLock,
  ) {
    super(target);
    this.dialect = sqliteHistory(connection.db);
  }

  protected get runner(): SqliteConnection {
    return this.connection;
  }

  protected get driverConnection(): unknown {
    return this.connection.db;
  }

  protected async applySql(step: MigrationStep & { body: { format: 'sql' } }, context: StepContext): Promise<number> {
    const elapsed = stopwatch();
    const { db } = this.connection;
    if (!db.inTransaction) {
      db.exec('BEGIN IMMEDIATE');
      this.groupOpen = true;
      this.groupAge = stopwatch();
    }
    // The migration's savepoint holds the body and its history row; the guard's, the body alone.
    db.exec(`SAVEPOINT modkit_migration; ${SAVEPOINT_GUARD.open}`);
    try {
      try {
        db.exec(step.body.sql);
      } catch (error) {
        // Disk full, I/O: SQLite may roll back by itself (rollbackMigration says so); not the body's doing.
        if (!this.isStatementError(error)) throw error;
        if (!this.guardHolds()) throw new GuardLost(error, step, context, true);
        throw new BodyError(error, this.failingLine(step.body.sql));
      }
      try {
        db.exec(SAVEPOINT_GUARD.close);
      } catch (error) {
        throw this.isGuardLost(error) ? new GuardLost(error, step, context, false) : error;
      }
      await this.record(this.connection, step, context, elapsed());
    } catch (error) {
      if (error instanceof GuardLost) throw await this.transactionEnded(error);
      this.rollbackMigration(error);
      throw error;
    }
    db.exec('RELEASE modkit_migration');
    this.uncommitted.push(step);
    if (this.groupAge() >= GROUP_COMMIT_MS) this.commitGroup();
    return elapsed();
  }

  /** After a body failed: back to the guard's savepoint; false when it is gone (the body ended the transaction). */
  private guardHolds(): boolean {
    try {
      this.connection.db.exec(SAVEPOINT_GUARD.undo);
      return true;
    } catch (error) {
      if (this.isGuardLost(error)) return false;
      throw error;
    }
  }

  /** `no such savepoint` (the body committed, rolled back or began anew), or no transaction at all. */
  protected override isGuardLost(error: unknown): boolean {
    return /no such savepoint|no transaction is active/i.test(String((error as Error)?.message));
  }

  /** The group the body's transaction control ended is gone: nothing of it is open any more. */
  protected override afterTransactionEnded(): void {
    this.groupOpen = false;
  }

  /**
   * The line of the statement that fails when the file is replayed one statement at a time, from
   * the guard's savepoint (so the replay sees what the failed run saw).
   */
  private failingLine(sql: string): number | undefined {
    const { db } = this.connection;
    for (const statement of splitSqlStatements(sql)) {
      try {
        db.exec(statement.text);
      } catch {
        return statement.line;
      }
    }
    return undefined;
  }

  /** Undoes the failed migration alone and commits the group before it. */
  private rollbackMigration(error: unknown): void {
    const { db } = this.connection;
    if (!db.inTransaction) {
      // Some errors (disk full, I/O) make SQLite roll back the whole transaction by itself.
      const lost = this.uncommitted.splice(0).length;
      this.groupOpen = false;
      if (lost > 0 && error instanceof Error) {
        error.message += ` SQLite rolled back the whole transaction, including the ${lost === 1 ? 'migration' : `${lost} migrations`} applied just before this one; run migrate again once the cause is fixed.`;
      }
      return;
    }
    db.exec('ROLLBACK TO modkit_migration; RELEASE modkit_migration');
    this.commitGroup();
  }

  protected isStatementError(error: unknown): boolean {
    // SQLite reports everything as SqliteError; I/O and disk-full are not the statement's fault.
    const code = (error as { code?: string })?.code ?? '';
    return error instanceof Database.SqliteError && !/^SQLITE_(IOERR|FULL|NOMEM|CORRUPT|NOTADB|CANTOPEN)/.test(code);
  }

  private commitGroup(): void {
    const { db } = this.connection;
    if (this.groupOpen && db.inTransaction) db.exec('COMMIT');
    this.groupOpen = false;
    this.uncommitted.length = 0;
  }

  /** A script may end the process (process.exit): what ran before it is committed first. */
  protected override async beforeScript(): Promise<void> {
    this.commitGroup();
  }

  override async flush(): Promise<void> {
    const waiting = this.uncommitted.map((s) => ({ module: s.migration.module, id: s.migration.id }));
    try {
      this.commitGroup();
    } catch (error) {
      this.uncommitted.length = 0;
      this.groupOpen = false;
      throw new CommitUnconfirmedError(error, waiting, false);
    }
  }

  protected plainKnexConfig(): Knex.Config {
    return sqliteKnexConfig(this.target);
  }

  async fork(): Promise<Session> {
    throw new ModkitError('usage', 'SQLite has one writer per database: modules cannot migrate on several connections at once');
  }

  async cancel(): Promise<void> {
    // better-sqlite3 runs statements synchronously: a signal is handled between statements.
  }

  override async close(): Promise<void> {
    // A group commit still open is committed, never silently rolled back.
    this.commitGroup();
    await super.close();
    await this.lock?.release();
    this.connection.close();
  }
}

/** knex settings for a SQLite file (the runtime handle, no-transaction scripts). */
export function sqliteKnexConfig(target: DatabaseTarget, pool: { min: number; max: number } = { min: 1, max: 1 }): Knex.Config {
  return {
    client: 'better-sqlite3',
    connection: { filename: target.sqlitePath! },
    useNullAsDefault: true,
    pool: {
      ...pool,
      // Wait for other writers (another modkit runner, an admin shell) instead of failing with SQLITE_BUSY.
      afterCreate(connection: { pragma(sql: string): unknown }, done: (error: Error | null, connection: unknown) => void) {
        try {
          connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
          done(null, connection);
        } catch (error) {
          done(error as Error, connection);
        }
      },
    },
  };
}
