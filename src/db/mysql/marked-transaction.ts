import { stopwatch } from '../../util/stopwatch.js';
import { appliedMark, startedMark, type HistoryWrite } from '../apply/marks.js';
import type { OwnTransaction } from '../apply/own-transaction.js';
import { runScript, scriptLockTimeout, type ScriptBody } from '../apply/script-migration.js';
import type { WorkingConnection } from '../apply/working-connection.js';
import { GuardLost } from '../body-guard.js';
import { createHistoryTable } from '../history-store.js';
import { scriptTransaction } from '../script-knex.js';
import { BodyError, bookkeeping, CommitUnconfirmedError } from '../session.js';
import type { MigrationStep, StepContext } from '../session.js';
import type { ServerTraits } from './mysql-connection.js';
import type { MysqlDriver } from './mysql-driver.js';
import { rollsBackEverything } from './mysql-errors.js';
import { commitsImplicitly, forgetStarted, leftStarted } from './mysql-marks.js';
import { mysqlTimeoutReset } from './mysql-timeouts.js';

/** How long `applied` marks may wait uncommitted (group commit). */
const GROUP_COMMIT_MS = 200;

/**
 * MariaDB/MySQL's own transaction: DDL commits implicitly, so a migration with DDL can never be
 * atomic with its history row. It runs in a transaction WITH its row written as `started` first:
 *
 *     SAVEPOINT m; INSERT … 'started'; body…; UPDATE … 'applied' WHERE … state = 'started'
 *
 * MySQL commits implicitly before each DDL statement, which commits the `started` row with it:
 * from the first DDL on, a failure or a crash leaves the module dirty (the usual message, then
 * `repair`), exactly what happened. A body of data changes only stays one transaction with its
 * row: a failure rolls it back to the savepoint and the module stays clean. Which of the two
 * happened is read back after a failure (`BodyError.leftDirty`), so the message says what is true.
 * The `applied` mark must change exactly one row: none means the body rolled its transaction
 * back, `started` row included (issue 19 §1), and the session says so instead of reporting it.
 *
 * Group commit: the `applied` mark is left uncommitted, to be committed by the next migration's
 * first DDL together with that migration's `started` row (one commit where a migration would
 * otherwise need two), by `flush`, or after ~200 ms. A body that does not begin with DDL could be
 * a deadlock's victim, which rolls back the whole transaction: the marks waiting in it are
 * committed first, in that body's first round trip, so that a migration reported applied is
 * never undone by the next one (issue 19 §2). The body runs statement by statement as the `mysql`
 * client splits it (DELIMITER blocks included), so a failure names its line, and a lock timeout
 * retries the one statement.
 */
export class MarkedTransaction implements OwnTransaction {
  /** Since when `applied` marks wait uncommitted (group commit), if any do. */
  private pendingSince: (() => number) | undefined;

  constructor(
    private readonly conn: WorkingConnection,
    private readonly driver: MysqlDriver,
  ) {}

  async apply(step: MigrationStep, context: StepContext): Promise<number> {
    const { driver } = this;
    const traits = await driver.traits();
    await this.conn.clean();
    // A server that rolls back the whole transaction on a lock timeout would take earlier marks with it.
    const waitedLong = this.pendingSince !== undefined && this.pendingSince() >= GROUP_COMMIT_MS;
    if (traits.rollbackOnTimeout || waitedLong) await this.flush();
    const elapsed = stopwatch();
    const timeouts = context.timeouts ? await driver.timeoutStatements(context.timeouts) : [];
    await driver.state.useTimeouts(timeouts, mysqlTimeoutReset(traits.flavour));
    const { body } = step;
    try {
      if (body.format === 'script') await this.applyScript(step, body, context, elapsed);
      else await this.applySql(step, body.sql, context, elapsed, traits);
      return elapsed();
    } catch (error) {
      if (error instanceof GuardLost) throw await this.conn.transactionEnded(error);
      if (error instanceof BodyError && error.leftDirty === undefined) {
        error.leftDirty = await leftStarted(driver.runner, driver.dialect, step);
      }
      throw error;
    }
  }

  private async applySql(
    step: MigrationStep,
    sql: string,
    context: StepContext,
    elapsed: () => number,
    traits: ServerTraits,
  ): Promise<void> {
    const { conn, driver } = this;
    const c = driver.runner;
    const format = (mark: HistoryWrite) => c.format(mark.sql, mark.params);
    const statements = driver.splitStatements(sql);
    // One round trip before the body and one after it: each mark travels with its transaction
    // statements. Earlier migrations' waiting marks are committed first unless the body's first
    // statement commits them itself before it can fail.
    const commitFirst = this.pendingSince !== undefined && !commitsImplicitly(statements[0]?.text);
    const open = (reopen: boolean) => (reopen || c.inTransaction !== true ? 'START TRANSACTION; ' : '');
    const started = format(startedMark(driver.dialect, step, context.runId));
    await bookkeeping(step.table, 'mark-started', () =>
      c.exec(`${commitFirst ? 'COMMIT; ' : ''}${open(commitFirst)}SAVEPOINT modkit_migration; ${started}`),
    );
    if (commitFirst) this.committed();
    this.pendingSince ??= stopwatch();
    try {
      // MySQL rolls back only the statement that timed out, and the transaction goes on — unless
      // the server rolls back the whole transaction on a lock timeout: then what came before is gone.
      await conn.runStatements(sql, { context, statements, lockTimeoutEndsTransaction: traits.rollbackOnTimeout });
      // In autocommit after the body: DDL committed what waited, this migration's `started` row too.
      if (c.inTransaction === false) this.committed();
      // After DDL the session is in autocommit: a transaction is reopened, so that the mark waits
      // for the next implicit commit (or flush) instead of paying a commit of its own.
      const done = `${open(false)}${format(appliedMark(driver.dialect, step, elapsed()))}`;
      const changed = await bookkeeping(step.table, 'mark-applied', () => c.execCounted(done));
      if (changed !== 1) throw rowGone(step, context);
      this.pendingSince ??= stopwatch();
      conn.uncommitted.push(step);
    } catch (error) {
      if (
        !(error instanceof GuardLost) &&
        !(await this.undoMigration()) &&
        (await this.endedByBody(step, error, traits))
      ) {
        throw new GuardLost(error, step, context, true);
      }
      // Its first statement was DDL, and failed: that committed the `started` row, but nothing of
      // the body took effect (DDL is atomic): the migration did not run, and can simply run again.
      if (error instanceof BodyError && error.statementIndex === 0 && commitsImplicitly(statements[0]?.text)) {
        error.leftDirty = !(await forgetStarted(c, driver.dialect, step));
      }
      throw error;
    }
  }

  /** A script: the same marks, in a knex transaction on this connection (its `db.transaction()` nests as a savepoint). */
  private async applyScript(
    step: MigrationStep,
    body: ScriptBody,
    context: StepContext,
    elapsed: () => number,
  ): Promise<void> {
    const { conn, driver } = this;
    const knex = await conn.scripts();
    await this.flush(); // knex's BEGIN would commit the waiting marks implicitly anyway
    const format = (mark: HistoryWrite) => driver.runner.format(mark.sql, mark.params);
    let lost: GuardLost | undefined;
    try {
      await knex.transaction(driver.knex.connection, async (trx) => {
        await bookkeeping(step.table, 'mark-started', () =>
          trx.raw(format(startedMark(driver.dialect, step, context.runId))),
        );
        await runScript(body, scriptTransaction(trx), context);
        const done = format(appliedMark(driver.dialect, step, elapsed()));
        const result = await bookkeeping(step.table, 'mark-applied', () => trx.raw(done));
        const [header] = result as [{ affectedRows?: number }];
        if (header?.affectedRows !== 1) throw (lost = rowGone(step, context));
      });
    } catch (error) {
      if (lost) throw lost;
      throw scriptLockTimeout(conn, error, context, []) ?? error;
    } finally {
      driver.runner.inTransaction = undefined; // knex drove the connection: its state is not tracked
    }
  }

  /** The waiting marks were committed (by modkit, or by DDL). */
  private committed(): void {
    this.pendingSince = undefined;
    this.conn.uncommitted.length = 0;
  }

  /**
   * After a failure: without an implicit commit since the savepoint, this migration alone is undone
   * and what came before it committed; after one, the savepoint is gone with it, and whatever the
   * statements after the DDL left open is rolled back. True when the savepoint was still there.
   */
  private async undoMigration(): Promise<boolean> {
    const c = this.driver.runner;
    let held = true;
    try {
      await c.exec('ROLLBACK TO SAVEPOINT modkit_migration');
      await c.exec('COMMIT');
      this.committed();
    } catch {
      held = false;
      await c.exec('ROLLBACK').catch(() => undefined);
    }
    this.pendingSince = undefined;
    return held;
  }

  /**
   * The savepoint is gone, yet no implicit commit kept the `started` row, and the server did not
   * roll everything back by itself (a deadlock): the body's own ROLLBACK ended the transaction,
   * and what it ran after that may be committed.
   */
  private async endedByBody(step: MigrationStep, error: unknown, traits: ServerTraits): Promise<boolean> {
    if (!(error instanceof BodyError)) return false;
    if (rollsBackEverything(error.cause, traits.rollbackOnTimeout)) return false;
    return (await leftStarted(this.driver.runner, this.driver.dialect, step)) === false;
  }

  /** Commits the `applied` marks that wait (group commit). */
  async flush(): Promise<void> {
    if (!this.pendingSince) return;
    try {
      await this.driver.runner.exec('COMMIT');
    } catch (error) {
      const waiting = this.conn.uncommitted.map((s) => ({ module: s.migration.module, id: s.migration.id }));
      this.committed();
      throw new CommitUnconfirmedError(error, waiting, false);
    }
    this.committed();
  }

  /** Waiting marks hold their transaction open: committing them is settling. */
  settle(): Promise<void> {
    return this.flush();
  }

  /** The transaction the body ended is gone, and with it whatever waited in it. */
  forget(): void {
    this.pendingSince = undefined;
  }

  createHistory(table: string): Promise<void> {
    return createHistoryTable(this.driver.dialect, this.driver.runner, table);
  }
}

/** The `applied` mark found no `started` row: the body rolled its transaction back, row and all. */
function rowGone(step: MigrationStep, context: StepContext): GuardLost {
  return new GuardLost(new Error('its history row was gone after the body'), step, context, false);
}
