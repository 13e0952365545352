import { unreachableError } from '../connection-errors.js';
import { scriptTransaction } from '../script-knex.js';
import { GuardLost } from '../body-guard.js';
import { BodyError, bookkeeping, CommitUnconfirmedError, LockTimeoutError } from '../session.js';
import type { MigrationStep, Session, StepContext } from '../session.js';
import { stopwatch } from '../../util/stopwatch.js';
import { connectMysql } from './mysql-connection.js';
import { rollsBackEverything } from './mysql-errors.js';
import { commitsImplicitly, doneMark, forgetStarted, leftStarted, startedMark } from './mysql-marks.js';
import { MysqlSessionBase } from './mysql-session-base.js';
import { mysqlTimeoutReset } from './mysql-timeouts.js';

/** How long `applied` marks may wait uncommitted (group commit, see MysqlSession.apply). */
const GROUP_COMMIT_MS = 200;

/**
 * MariaDB/MySQL: DDL commits implicitly, so a migration with DDL can never be atomic with its
 * history row: its row is written as `started` before the body and set to `applied` after it (see
 * {@link MysqlSession.apply}). A crash in between leaves the module dirty, and `repair` says what
 * to do, exactly as for a PostgreSQL `CREATE INDEX CONCURRENTLY` file. The body runs statement by
 * statement as the `mysql` client splits it (DELIMITER blocks included), so a failure names its
 * line. Several connections at once (`--concurrency`) are fine.
 */
export class MysqlSession extends MysqlSessionBase {
  /**
   * A migration in a transaction WITH its history row written as `started` first:
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
   * never undone by the next one (issue 19 §2). A file with the no-transaction marker runs with
   * autocommit. A migration that changed the session (a variable, `USE`, a role) leaves it reset
   * for the next one (mysql-session-state.ts).
   */
  override async apply(step: MigrationStep, context: StepContext): Promise<number> {
    this.traits ??= await this.connection.traits();
    await this.cleanSession();
    if (step.body.format === 'script') this.session.suspect();
    return step.body.transactional ? this.applyMarked(step, context) : super.apply(step, context);
  }

  private async applyMarked(step: MigrationStep, context: StepContext): Promise<number> {
    // A server that rolls back the whole transaction on a lock timeout would take earlier marks with it.
    const waitedLong = this.pendingSince !== undefined && this.pendingSince() >= GROUP_COMMIT_MS;
    if (this.traits!.rollbackOnTimeout || waitedLong) await this.flush();
    const elapsed = stopwatch();
    const timeouts = context.timeouts ? this.timeoutStatements(context.timeouts) : [];
    await this.session.useTimeouts(timeouts, mysqlTimeoutReset(this.traits?.flavour));
    this.inMarkedTransaction = true;
    try {
      if (step.body.format === 'script') await this.applyScriptMarked(step, context, elapsed);
      else await this.applySqlMarked(step, step.body.sql, context, elapsed);
      return elapsed();
    } catch (error) {
      if (error instanceof GuardLost) throw await this.transactionEnded(error);
      if (error instanceof BodyError && error.leftDirty === undefined) {
        error.leftDirty = await leftStarted(this.connection, this.dialect, step);
      }
      throw error;
    } finally {
      this.inMarkedTransaction = false;
    }
  }

  /** Set while a migration runs in its marked transaction (see {@link apply}). */
  private inMarkedTransaction = false;

  /** Since when `applied` marks wait uncommitted (group commit), if any do. */
  private pendingSince: (() => number) | undefined;

  /**
   * A lock timeout is retried statement by statement — unless the server rolled back the whole
   * transaction (`innodb_rollback_on_timeout`) inside a marked transaction: then what came before
   * is gone, and the failure is reported as it is, not retried.
   */
  protected override bodyError(error: unknown, line: number | undefined, blockers: readonly string[], context?: StepContext): BodyError {
    if (this.isLockTimeout(error) && this.inMarkedTransaction && this.traits?.rollbackOnTimeout) return new BodyError(error, line);
    return super.bodyError(error, line, blockers, context);
  }

  /** Unused: {@link apply} runs every transactional migration with its `started` mark. */
  protected async applySql(): Promise<number> {
    throw new Error('internal error: MariaDB/MySQL migrations run through MysqlSession.apply');
  }

  private async applySqlMarked(step: MigrationStep, sql: string, context: StepContext, elapsed: () => number): Promise<void> {
    const c = this.connection;
    const format = (text: string, params: readonly unknown[]) => c.format(text, params);
    const statements = this.splitStatements(sql);
    // One round trip before the body and one after it: each mark travels with its transaction
    // statements. Earlier migrations' waiting marks are committed first unless the body's first
    // statement commits them itself before it can fail.
    const commitFirst = this.pendingSince !== undefined && !commitsImplicitly(statements[0]?.text);
    const open = (reopen: boolean) => (reopen || c.inTransaction !== true ? 'START TRANSACTION; ' : '');
    const started = startedMark(this.dialect, step, context, format);
    await bookkeeping(step.table, 'mark-started', () =>
      c.exec(`${commitFirst ? 'COMMIT; ' : ''}${open(commitFirst)}SAVEPOINT modkit_migration; ${started}`),
    );
    if (commitFirst) this.committed();
    this.pendingSince ??= stopwatch();
    try {
      // Statement by statement: each failure names its line, and a lock timeout retries the one
      // statement (MySQL rolls back only the statement that timed out; the transaction goes on).
      await this.runStatements(sql, context, statements);
      // In autocommit after the body: DDL committed what waited, this migration's `started` row too.
      if (c.inTransaction === false) this.committed();
      // After DDL the session is in autocommit: a transaction is reopened, so that the mark waits
      // for the next implicit commit (or flush) instead of paying a commit of its own.
      const done = `${open(false)}${doneMark(this.dialect, step, elapsed(), format)}`;
      const changed = await bookkeeping(step.table, 'mark-applied', () => c.execCounted(done));
      if (changed !== 1) throw rowGone(step, context);
      this.pendingSince ??= stopwatch();
      this.uncommitted.push(step);
    } catch (error) {
      if (!(error instanceof GuardLost) && !(await this.undoMigration()) && (await this.endedByBody(step, error))) {
        throw new GuardLost(error, step, context, true);
      }
      // Its first statement was DDL, and failed: that committed the `started` row, but nothing of
      // the body took effect (DDL is atomic): the migration did not run, and can simply run again.
      if (error instanceof BodyError && error.statementIndex === 0 && commitsImplicitly(statements[0]?.text)) {
        error.leftDirty = !(await forgetStarted(this.connection, this.dialect, step));
      }
      throw error;
    }
  }

  /** The waiting marks were committed (by modkit, or by DDL). */
  private committed(): void {
    this.pendingSince = undefined;
    this.uncommitted.length = 0;
  }

  /**
   * After a failure: without an implicit commit since the savepoint, this migration alone is undone
   * and what came before it committed; after one, the savepoint is gone with it, and whatever the
   * statements after the DDL left open is rolled back. True when the savepoint was still there.
   */
  private async undoMigration(): Promise<boolean> {
    const c = this.connection;
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
  private async endedByBody(step: MigrationStep, error: unknown): Promise<boolean> {
    if (!(error instanceof BodyError)) return false;
    if (rollsBackEverything(error.cause, this.traits?.rollbackOnTimeout === true)) return false;
    return (await leftStarted(this.connection, this.dialect, step)) === false;
  }

  /** Commits the `applied` marks that wait (group commit). */
  override async flush(): Promise<void> {
    if (!this.pendingSince) return;
    try {
      await this.connection.exec('COMMIT');
    } catch (error) {
      const waiting = this.uncommitted.map((s) => ({ module: s.migration.module, id: s.migration.id }));
      this.committed();
      throw new CommitUnconfirmedError(error, waiting, false);
    }
    this.committed();
  }

  /** The transaction the body ended is gone, and with it whatever waited in it. */
  protected override afterTransactionEnded(): void {
    this.pendingSince = undefined;
  }

  /** A script: the same marks, in a knex transaction on this connection (its `db.transaction()` nests as a savepoint). */
  private async applyScriptMarked(step: MigrationStep, context: StepContext, elapsed: () => number): Promise<void> {
    const knex = await this.scripts();
    await this.flush(); // knex's BEGIN would commit the waiting marks implicitly anyway
    const format = (text: string, params: readonly unknown[]) => this.connection.format(text, params);
    let lost: GuardLost | undefined;
    try {
      await knex.transaction(this.driverConnection, async (trx) => {
        await bookkeeping(step.table, 'mark-started', () => trx.raw(startedMark(this.dialect, step, context, format)));
        await this.runScript(step, scriptTransaction(trx), context);
        const done = doneMark(this.dialect, step, elapsed(), format);
        const result = await bookkeeping(step.table, 'mark-applied', () => trx.raw(done));
        const [header] = result as [{ affectedRows?: number }];
        if (header?.affectedRows !== 1) throw (lost = rowGone(step, context));
      });
    } catch (error) {
      if (lost) throw lost;
      const cause = error instanceof BodyError ? error.cause : error;
      const lockMs = this.lockTimeoutMsOf(context.timeouts?.lockMs ?? 0);
      if (this.isLockTimeout(cause)) throw new LockTimeoutError(cause, undefined, [], lockMs);
      throw error;
    } finally {
      this.connection.inTransaction = undefined; // knex drove the connection: its state is not tracked
    }
  }

  async fork(): Promise<Session> {
    const connection = await connectMysql(this.target.url, { multipleStatements: true }).catch((error: unknown) => {
      throw unreachableError(this.target.url, error);
    });
    const forked = new MysqlSession(this.target, connection);
    forked.canceller = this.lock ?? this.canceller;
    forked.traits = this.traits;
    await forked.joinWorkBarrier();
    return forked;
  }
}

/** The `applied` mark found no `started` row: the body rolled its transaction back, row and all. */
function rowGone(step: MigrationStep, context: StepContext): GuardLost {
  return new GuardLost(new Error('its history row was gone after the body'), step, context, false);
}
