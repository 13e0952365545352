import { stopwatch } from '../../util/stopwatch.js';
import type { OwnTransaction } from '../apply/own-transaction.js';
import { applyScriptInTransaction } from '../apply/script-migration.js';
import type { WorkingConnection } from '../apply/working-connection.js';
import { GuardLost, SAVEPOINT_GUARD } from '../body-guard.js';
import {
  createHistoryTable,
  deleteRecordLiteral,
  type HistoryDialect,
  insertRecordLiteral,
  STATE_APPLIED,
} from '../history-store.js';
import { BodyError, CommitUnconfirmedError, HistoryError, type MigrationStep, type StepContext } from '../session.js';
import type { SqliteConnection } from './sqlite-connection.js';

/** How long one group of migrations may stay uncommitted. */
const GROUP_COMMIT_MS = 200;

/**
 * SQLite's group commit: each migration runs in a SAVEPOINT inside a write transaction committed
 * every ~200 ms (and by `flush`), so every migration stays atomic with its history row while a
 * thousand of them do not pay a thousand commits (several fsyncs each: 3.4 s against 0.05 s here).
 * A crash loses the uncommitted group as a whole, history rows included, and the rerun applies it
 * again. A SQL file runs in one `exec`; only when it fails is it replayed statement by statement,
 * inside the same savepoint, to name the failing line (SQLite reports no error position).
 */
export class GroupCommit implements OwnTransaction {
  private groupAge = stopwatch();
  private groupOpen = false;

  constructor(
    private readonly conn: WorkingConnection,
    private readonly connection: SqliteConnection,
  ) {}

  async apply(step: MigrationStep, context: StepContext): Promise<number> {
    const elapsed = stopwatch();
    const { body } = step;
    if (body.format === 'script') {
      this.commitGroup(); // a script may end the process (process.exit): what ran before it is committed first
      await applyScriptInTransaction(this.conn, step, body, context);
      return elapsed();
    }
    const { sql } = body;
    const { db } = this.connection;
    const { driver } = this.conn;
    if (!db.inTransaction) {
      db.exec('BEGIN IMMEDIATE');
      this.groupOpen = true;
      this.groupAge = stopwatch();
    }
    // The migration's savepoint holds the body and its history row; the guard's, the body alone.
    // Two `exec`s a migration: the savepoints open in the body's, and the guard's release, the
    // history row and the migration's release share one (it stops at the first failure, so the row
    // is written only once the guard held).
    try {
      try {
        db.exec(`SAVEPOINT modkit_migration; ${SAVEPOINT_GUARD.open};\n${sql}`);
      } catch (error) {
        // Disk full, I/O: SQLite may roll back by itself (rollbackMigration says so); not the body's doing.
        if (!driver.isStatementError(error)) throw error;
        if (!this.guardHolds()) throw new GuardLost(error, step, context, true);
        throw new BodyError(error, this.failingLine(sql));
      }
      const record = recordLiteral(driver.dialect, step, context.runId, elapsed());
      try {
        db.exec(`${SAVEPOINT_GUARD.close}; ${record}; RELEASE modkit_migration`);
      } catch (error) {
        if (driver.isGuardLost(error)) throw new GuardLost(error, step, context, false);
        throw new HistoryError(step.table, step.direction === 'up' ? 'record' : 'delete', error);
      }
    } catch (error) {
      if (error instanceof GuardLost) throw await this.conn.transactionEnded(error);
      this.rollbackMigration(error);
      throw error;
    }
    this.conn.uncommitted.push(step);
    if (this.groupAge() >= GROUP_COMMIT_MS) this.commitGroup();
    return elapsed();
  }

  /** After a body failed: back to the guard's savepoint; false when it is gone (the body ended the transaction). */
  private guardHolds(): boolean {
    try {
      this.connection.db.exec(SAVEPOINT_GUARD.undo);
      return true;
    } catch (error) {
      if (this.conn.driver.isGuardLost(error)) return false;
      throw error;
    }
  }

  /**
   * The line of the statement that fails when the file is replayed one statement at a time, from
   * the guard's savepoint (so the replay sees what the failed run saw).
   */
  private failingLine(sql: string): number | undefined {
    const { db } = this.connection;
    for (const statement of this.conn.driver.splitStatements(sql)) {
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
      const lost = this.conn.uncommitted.splice(0).length;
      this.groupOpen = false;
      if (lost > 0 && error instanceof Error) {
        error.message += ` SQLite rolled back the whole transaction, including the ${lost === 1 ? 'migration' : `${lost} migrations`} applied just before this one; run migrate again once the cause is fixed.`;
      }
      return;
    }
    db.exec('ROLLBACK TO modkit_migration; RELEASE modkit_migration');
    this.commitGroup();
  }

  private commitGroup(): void {
    const { db } = this.connection;
    if (this.groupOpen && db.inTransaction) db.exec('COMMIT');
    this.groupOpen = false;
    this.conn.uncommitted.length = 0;
  }

  async flush(): Promise<void> {
    const waiting = this.conn.uncommitted.map((s) => ({ module: s.migration.module, id: s.migration.id }));
    try {
      this.commitGroup();
    } catch (error) {
      this.conn.uncommitted.length = 0;
      this.groupOpen = false;
      throw new CommitUnconfirmedError(error, waiting, false);
    }
  }

  /** A grouped commit is settled by committing it. */
  settle(): Promise<void> {
    return this.flush();
  }

  /** The group the body's transaction control ended is gone: nothing of it is open any more. */
  forget(): void {
    this.groupOpen = false;
  }

  createHistory(table: string): Promise<void> {
    return createHistoryTable(this.conn.driver.dialect, this.connection, table);
  }
}

/** A step's history write as SQL text, to share an `exec` with the guard's release: insert (up) or delete (down). */
function recordLiteral(dialect: HistoryDialect, step: MigrationStep, runId: string, durationMs: number): string {
  const { table, migration } = step;
  if (step.direction === 'down') return deleteRecordLiteral(dialect, table, migration.id);
  const record = { version: migration.id, checksum: migration.checksum, state: STATE_APPLIED, runId } as const;
  return insertRecordLiteral(dialect, table, record, String(Math.trunc(durationMs)));
}
