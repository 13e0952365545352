import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { STATE_APPLIED, STATE_STARTED, type HistoryDialect } from '../history-store.js';
import type { Knex } from '../knex-types.js';
import { scriptTransaction } from '../script-knex.js';
import { SessionBase, type StepTimeouts } from '../session-base.js';
import { sampleBlockers, type BlockerWatch } from '../blocker-watch.js';
import { GuardLost } from '../body-guard.js';
import { BodyError, bookkeeping, LockTimeoutError, type MigrationStep, type Session, type StepContext } from '../session.js';
import { stopwatch } from '../../util/stopwatch.js';
import type { SqlStatement } from '../split-sql.js';
import { connectMysql, databaseOf, MysqlConnection, sessionSetup, type ServerTraits } from './mysql-connection.js';
import { mysqlHistory } from './mysql-history.js';
import { mysqlScriptKnexConfig } from './mysql-knex-config.js';
import { takeWorkSlot, type MysqlRunLock } from './mysql-lock.js';
import { commitsImplicitly, doneMark, LOCK_WAIT_TIMEOUT, rollsBackEverything, startedMark } from './mysql-marks.js';
import { mysqlTimeoutReset, mysqlTimeoutStatements, serverLockTimeoutMs } from './mysql-timeouts.js';
import { splitMysqlStatements } from './split-mysql.js';

/** The server's `… at line N` at the end of a syntax error's message. */
const AT_LINE = /at line (\d+)\s*$/;

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
export class MysqlSession extends SessionBase {
  readonly capabilities = { concurrentMigrations: true, transactionalDdl: false };
  protected readonly dialect: HistoryDialect;
  protected readonly knexClient = 'mysql2';
  protected readonly transactionSql = { begin: 'START TRANSACTION', commit: 'COMMIT', rollback: 'ROLLBACK' };
  /** The server's kind and lock-timeout behaviour, asked once, before the first migration. */
  private traits: ServerTraits | undefined;
  /** Where KILL QUERY goes from: the run lock's connection (a fork borrows its parent's). */
  private canceller: MysqlRunLock | undefined;
  private readonly database: string;

  constructor(
    target: DatabaseTarget,
    readonly connection: MysqlConnection,
    readonly lock?: MysqlRunLock,
  ) {
    super(target);
    this.database = databaseOf(target.url);
    this.dialect = mysqlHistory(this.database);
  }

  protected get runner(): MysqlConnection {
    return this.connection;
  }

  /** The callback-style mysql2 connection under the promise wrapper: what knex's mysql2 client drives. */
  protected get driverConnection(): unknown {
    return (this.connection.connection as unknown as { connection: unknown }).connection;
  }

  /** Takes a work slot on the working connection (see MysqlRunLock): before any statement of this run. */
  async joinWorkBarrier(): Promise<void> {
    const { sql, params } = takeWorkSlot(this.database);
    await this.connection.query(sql, params);
  }

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
    // Scripts' statements go through knex, where the session cannot see what they changed.
    this.resetPending = step.body.format === 'script';
    return step.body.transactional ? this.applyMarked(step, context) : super.apply(step, context);
  }

  protected override async cleanSession(): Promise<void> {
    if (this.resetPending) await this.resetSession();
  }

  /** The last migration changed the session (or may have): reset it before the next one. */
  private resetPending = false;

  /** Body statements, watching whether they change the session's state (the server says so in its OK packets). */
  protected override async runStatements(sql: string, context?: StepContext, statements?: readonly SqlStatement[]): Promise<void> {
    const before = this.connection.stateChanges;
    try {
      await super.runStatements(sql, context, statements);
    } finally {
      if (this.connection.stateChanges !== before) this.resetPending = true;
    }
  }

  private async applyMarked(step: MigrationStep, context: StepContext): Promise<number> {
    // A server that rolls back the whole transaction on a lock timeout would take earlier marks with it.
    if (this.traits!.rollbackOnTimeout || (this.pendingSince && this.pendingSince() >= GROUP_COMMIT_MS)) await this.flush();
    const elapsed = stopwatch();
    await this.useTimeouts(context.timeouts ? this.timeoutStatements(context.timeouts) : []);
    this.inMarkedTransaction = true;
    try {
      if (step.body.format === 'script') await this.applyScriptMarked(step, context, elapsed);
      else await this.applySqlMarked(step, step.body.sql, context, elapsed);
      return elapsed();
    } catch (error) {
      if (error instanceof GuardLost) throw await this.transactionEnded(error);
      if (error instanceof BodyError && error.leftDirty === undefined) error.leftDirty = await this.leftStarted(step);
      throw error;
    } finally {
      this.inMarkedTransaction = false;
    }
  }

  /** Set while a migration runs in its marked transaction (see {@link apply}). */
  private inMarkedTransaction = false;
  /** Since when `applied` marks wait uncommitted (group commit), if any do. */
  private pendingSince: (() => number) | undefined;
  /** The session timeouts now in force (the SET statement sent), '' for the server's defaults. */
  private timeoutsInForce = '';

  /** Sets the session's timeouts for a migration, only when they differ from those in force (no round trip per migration). */
  private async useTimeouts(statements: readonly string[]): Promise<void> {
    const wanted = statements.join('; ');
    if (wanted === this.timeoutsInForce) return;
    if (wanted === '') await this.resetTimeouts();
    else for (const statement of statements) await this.connection.exec(statement);
    this.timeoutsInForce = wanted;
  }

  /**
   * The session as a new connection has it, plus modkit's setup: what the last migration changed
   * (variables, `USE`, a role, user variables, temporary tables) does not reach the next one. The
   * waiting marks are committed first (a reset rolls back). Two round trips, only before a migration
   * that follows one that changed the session.
   */
  private async resetSession(): Promise<void> {
    await this.flush();
    const { sql, params } = takeWorkSlot(this.database);
    await this.connection.reset(sessionSetup(this.database, this.connection.format(sql, params)));
    this.timeoutsInForce = '';
    this.resetPending = false;
  }

  /**
   * A lock timeout is retried statement by statement — unless the server rolled back the whole
   * transaction (`innodb_rollback_on_timeout`) inside a marked transaction: then what came before
   * is gone, and the failure is reported as it is, not retried.
   */
  protected override bodyError(error: unknown, line: number | undefined, blockers: readonly string[], context?: StepContext): BodyError {
    if (this.isLockTimeout(error) && this.inMarkedTransaction && this.traits?.rollbackOnTimeout) return new BodyError(error, line);
    return super.bodyError(error, line, blockers, context);
  }

  protected override lockTimeoutMsOf(ms: number): number {
    return serverLockTimeoutMs(ms);
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
    await bookkeeping(step.table, 'mark-started', () =>
      c.exec(`${commitFirst ? 'COMMIT; ' : ''}${open(commitFirst)}SAVEPOINT modkit_migration; ${startedMark(this.dialect, step, context, format)}`),
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
      const changed = await bookkeeping(step.table, 'mark-applied', () => c.execCounted(`${open(false)}${doneMark(this.dialect, step, elapsed(), format)}`));
      if (changed !== 1) throw new GuardLost(new Error('its history row was gone after the body'), step, context, false);
      this.pendingSince ??= stopwatch();
      this.uncommitted.push(step);
    } catch (error) {
      if (!(error instanceof GuardLost) && !(await this.undoMigration()) && (await this.endedByBody(step, error))) {
        throw new GuardLost(error, step, context, true);
      }
      // Its first statement was DDL, and failed: that committed the `started` row, but nothing of
      // the body took effect (DDL is atomic): the migration did not run, and can simply run again.
      if (error instanceof BodyError && error.statementIndex === 0 && commitsImplicitly(statements[0]?.text)) {
        error.leftDirty = !(await this.forgetStarted(step));
      }
      throw error;
    }
  }

  /** Takes back a committed `started` mark of a migration none of whose work took effect. True when done. */
  private async forgetStarted(step: MigrationStep): Promise<boolean> {
    const ref = this.dialect.tableRef(step.table);
    const sql = step.direction === 'up' ? `DELETE FROM ${ref} WHERE version = ? AND state = ?` : `UPDATE ${ref} SET state = ? WHERE version = ? AND state = ?`;
    const params = step.direction === 'up' ? [step.migration.id, STATE_STARTED] : [STATE_APPLIED, step.migration.id, STATE_STARTED];
    return this.connection.query(sql, params).then(
      () => true,
      () => false,
    );
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
    if (!(error instanceof BodyError) || rollsBackEverything(error.cause, this.traits?.rollbackOnTimeout === true)) return false;
    return (await this.leftStarted(step)) === false;
  }

  /** Commits the `applied` marks that wait (group commit). */
  override async flush(): Promise<void> {
    if (!this.pendingSince) return;
    await this.connection.exec('COMMIT');
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
        const [header] = (await bookkeeping(step.table, 'mark-applied', () => trx.raw(doneMark(this.dialect, step, elapsed(), format)))) as [{ affectedRows?: number }];
        if (header?.affectedRows !== 1) throw (lost = new GuardLost(new Error('its history row was gone after the body'), step, context, false));
      });
    } catch (error) {
      if (lost) throw lost;
      const cause = error instanceof BodyError ? error.cause : error;
      if (this.isLockTimeout(cause)) throw new LockTimeoutError(cause, undefined, [], this.lockTimeoutMsOf(context.timeouts?.lockMs ?? 0));
      throw error;
    } finally {
      this.connection.inTransaction = undefined; // knex drove the connection: its state is not tracked
    }
  }

  /** After a failure: did an implicit commit keep the `started` row (dirty), or did it roll back too? */
  private async leftStarted(step: MigrationStep): Promise<boolean | undefined> {
    try {
      const rows = await this.connection.query<{ state: string }>(`SELECT state FROM ${this.dialect.tableRef(step.table)} WHERE version = ?`, [step.migration.id]);
      return rows[0]?.state === STATE_STARTED;
    } catch {
      return undefined;
    }
  }

  protected override splitStatements(sql: string): readonly SqlStatement[] {
    return splitMysqlStatements(sql);
  }

  protected isStatementError(error: unknown): boolean {
    // The server's own errors carry an errno and an SQLSTATE; a lost connection is `fatal`.
    const e = error as { errno?: unknown; sqlState?: unknown; fatal?: boolean };
    return typeof e?.errno === 'number' && typeof e.sqlState === 'string' && e.fatal !== true;
  }

  /** The server reports `… at line N` (of the statement sent) for syntax errors. */
  protected override errorLine(error: unknown): number | undefined {
    const match = AT_LINE.exec(String((error as Error)?.message ?? ''));
    return match ? Number(match[1]) : undefined;
  }

  /**
   * The server's `at line N` counts from the statement, modkit's line from the file: the message
   * says both, so that they never seem to disagree (`at line 6 of the statement that starts at
   * line 5 (line 10 of the file)`).
   */
  protected override placeErrorLine(error: unknown, inner: number, statementLine: number): void {
    if (statementLine === 1 || !(error instanceof Error)) return;
    error.message = error.message.replace(AT_LINE, `at line ${inner} of the statement that starts at line ${statementLine} (line ${statementLine + inner - 1} of the file)`);
  }

  protected override isLockTimeout(error: unknown): boolean {
    return (error as { errno?: number })?.errno === LOCK_WAIT_TIMEOUT;
  }

  /** The server's own timeouts for the step (mysql-timeouts.ts says which, per flavour). */
  protected override timeoutStatements(timeouts: StepTimeouts): string[] {
    return mysqlTimeoutStatements(timeouts, this.traits?.flavour);
  }

  protected override async resetTimeouts(): Promise<void> {
    this.timeoutsInForce = '';
    await this.connection.exec(mysqlTimeoutReset(this.traits?.flavour));
  }

  /** Samples who holds open transactions, from the lock's connection, while a statement waits. */
  protected override watchBlockers(lockMs: number): BlockerWatch | undefined {
    const via = this.lock ?? this.canceller;
    if (!via) return undefined;
    const id = this.connection.id;
    return sampleBlockers(() => via.blockersOf(id), lockMs);
  }

  protected plainKnexConfig(): Knex.Config {
    return mysqlScriptKnexConfig(this.target.url);
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

  async cancel(): Promise<void> {
    const via = this.lock ?? this.canceller;
    if (via) {
      await via.cancel(this.connection.id);
      return;
    }
    const killer = await connectMysql(this.target.url);
    try {
      await killer.query('KILL QUERY ?', [this.connection.id]);
    } finally {
      await killer.close();
    }
  }

  override async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await super.close();
    // The working connection first: its work slot goes with it, so the next run need not wait for it.
    await this.connection.close();
    await this.lock?.release();
  }
}
