import { stopwatch } from '../../util/stopwatch.js';
import type { OwnTransaction } from '../apply/own-transaction.js';
import { bodyError } from '../apply/run-statements.js';
import { applyScriptInTransaction } from '../apply/script-migration.js';
import type { WorkingConnection } from '../apply/working-connection.js';
import { GuardLost } from '../body-guard.js';
import { deleteRecordLiteral, insertRecordLiteral, STATE_APPLIED } from '../history-store.js';
import { bookkeeping, CommitUnconfirmedError, HistoryError } from '../session.js';
import type { MigrationRef, MigrationStep, StepContext } from '../session.js';
import { lineOfOffset } from '../split-sql.js';
import { ASYNC_COMMIT, BEGIN, GUARD, migrationScript } from './migration-script.js';
import type { PostgresConnection } from './postgres-connection.js';
import type { SessionReset } from './session-reset.js';

/** statement_timestamp() is when the script arrived; clock_timestamp() is now. */
const ELAPSED_MS_SQL = 'floor(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::int';

/**
 * PostgreSQL's own transaction: a whole SQL migration with its history row in ONE round trip
 * (`BEGIN; body; insert; COMMIT` through the simple query protocol, migration-script.ts), committed
 * asynchronously so a thousand migrations do not wait for a thousand WAL flushes; `flush` then
 * waits once for all of them. Script migrations and new history tables commit asynchronously too.
 */
export class AsyncOneRoundTrip implements OwnTransaction {
  /** Some commit since the last flush was asynchronous. */
  private unflushed = false;
  /** The migrations those commits recorded: what a failed flush leaves unconfirmed. */
  private readonly unflushedSteps: MigrationRef[] = [];

  constructor(
    private readonly conn: WorkingConnection,
    private readonly connection: PostgresConnection,
    /** What the last migration may have left in the session, undone in the next round trip. */
    private readonly reset: SessionReset,
  ) {}

  async apply(step: MigrationStep, context: StepContext): Promise<number> {
    const { body } = step;
    if (body.format === 'sql') return this.applySql(step, body.sql, context);
    const elapsed = stopwatch();
    this.unflushed = true;
    await applyScriptInTransaction(this.conn, step, body, context, [ASYNC_COMMIT]);
    this.unflushedSteps.push({ module: step.migration.module, id: step.migration.id });
    return elapsed();
  }

  private async applySql(step: MigrationStep, sql: string, context: StepContext): Promise<number> {
    const elapsed = stopwatch();
    const { driver } = this.conn;
    const { table, migration } = step;
    const record =
      step.direction === 'up'
        ? insertRecordLiteral(
            driver.dialect,
            table,
            { version: migration.id, checksum: migration.checksum, state: STATE_APPLIED, runId: context.runId },
            ELAPSED_MS_SQL,
          )
        : deleteRecordLiteral(driver.dialect, table, migration.id);
    const timeouts = context.timeouts ? await driver.timeoutStatements(context.timeouts, 'local') : [];
    const { script, bodyEnd } = migrationScript(sql, record, timeouts, this.reset);
    const watch = context.timeouts?.lockMs ? driver.watchBlockers(context.timeouts.lockMs) : undefined;
    try {
      await this.connection.exec(script);
      this.unflushed = true;
      this.unflushedSteps.push({ module: migration.module, id: migration.id });
      return elapsed();
    } catch (error) {
      if (driver.isGuardLost(error)) throw await this.conn.transactionEnded(new GuardLost(error, step, context, false));
      const failure = this.classify(error, script, bodyEnd, table, watch?.stop() ?? [], context);
      // The body failed: had it ended the transaction before? (A failed history write came after the guard's release.)
      if (failure instanceof HistoryError) await this.connection.exec('ROLLBACK').catch(() => undefined);
      else if (!(await this.undoBody()))
        throw await this.conn.transactionEnded(new GuardLost(error, step, context, true));
      throw failure;
    } finally {
      watch?.stop();
    }
  }

  /**
   * After a failed one-round-trip migration: back to the guard's savepoint, then rolled back. False
   * when the savepoint is gone: the body had ended the transaction before it failed.
   */
  private async undoBody(): Promise<boolean> {
    try {
      await this.connection.exec(`${GUARD.undo}; ROLLBACK`);
      return true;
    } catch (error) {
      await this.connection.exec('ROLLBACK').catch(() => undefined);
      return !this.conn.driver.isGuardLost(error);
    }
  }

  /** Whether the one-round-trip script failed in the user's body or in modkit's history write. */
  private classify(
    error: unknown,
    script: string,
    bodyEnd: number,
    table: string,
    blockers: readonly string[],
    context: StepContext,
  ): unknown {
    const { driver } = this.conn;
    if (!driver.isStatementError(error)) return error;
    const { position, table: errorTable, message } = error as { position?: string; table?: string; message?: string };
    const at = Number(position);
    if (Number.isInteger(at) && at > 0) {
      return at - 1 >= bodyEnd
        ? new HistoryError(table, 'record', error)
        : bodyError(driver, error, lineOfOffset(script, at - 1), blockers, context);
    }
    // Errors without a position (permissions, constraints) name the table they are about.
    if (errorTable === table || String(message ?? '').includes(table)) return new HistoryError(table, 'record', error);
    return bodyError(driver, error, undefined, blockers, context);
  }

  /**
   * A module's history table is created in an asynchronously committed transaction like the
   * migrations after it: a fleet creates ten thousand of them, and a synchronous commit each waited
   * for a WAL flush every time. `flush` (at the end of the run, before success is reported) makes
   * them durable with the migrations.
   */
  async createHistory(table: string): Promise<void> {
    await bookkeeping(table, 'create', async () => {
      try {
        await this.connection.exec(
          `${this.reset.take()}${BEGIN}; ${this.conn.driver.dialect.createTableSql(table)}; COMMIT`,
        );
      } catch (error) {
        await this.connection.exec('ROLLBACK').catch(() => undefined);
        this.reset.note(); // a reset sent with it rolled back too
        throw error;
      }
    });
    this.unflushed = true;
  }

  async flush(): Promise<void> {
    if (!this.unflushed) return;
    // A synchronous commit that holds an xid waits until the WAL is on disk up to that point,
    // which covers every earlier asynchronous commit.
    const reset = this.reset.take();
    await this.connection.exec(`${reset}BEGIN; SELECT txid_current(); COMMIT`).catch((error: unknown) => {
      if (reset) this.reset.note();
      this.unflushed = false; // reported once, with the migrations in doubt
      throw new CommitUnconfirmedError(error, this.unflushedSteps.splice(0), true);
    });
    this.unflushed = false;
    this.unflushedSteps.length = 0;
  }

  /** An asynchronous commit is a commit: visible to every connection at once, nothing left open. */
  async settle(): Promise<void> {}

  /** Each migration commits on its own: a body that ended a transaction took nothing waiting with it. */
  forget(): void {}
}
