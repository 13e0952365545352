import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { historySql, STATE_APPLIED, STATE_STARTED, type HistoryDialect, type SqlRunner } from '../history-store.js';
import type { Knex } from '../knex-types.js';
import { knexRunner } from '../script-knex.js';
import { SessionBase, type StepTimeouts } from '../session-base.js';
import { sampleBlockers, type BlockerWatch } from '../blocker-watch.js';
import { BodyError, bookkeeping, LockTimeoutError, type MigrationStep, type Session, type StepContext } from '../session.js';
import { stopwatch } from '../../util/stopwatch.js';
import type { SqlStatement } from '../split-sql.js';
import { connectMysql, databaseOf, MysqlConnection, type ServerTraits } from './mysql-connection.js';
import { mysqlHistory } from './mysql-history.js';
import { mysqlScriptKnexConfig } from './mysql-knex-config.js';
import { takeWorkSlot, type MysqlRunLock } from './mysql-lock.js';
import { mysqlTimeoutReset, mysqlTimeoutStatements } from './mysql-timeouts.js';
import { splitMysqlStatements } from './split-mysql.js';

/** How long `applied` marks may wait uncommitted (group commit, see MysqlSession.apply). */
const GROUP_COMMIT_MS = 200;
/** ER_LOCK_WAIT_TIMEOUT: a row lock (innodb_lock_wait_timeout) or metadata lock (lock_wait_timeout) wait gave up. */
const LOCK_WAIT_TIMEOUT = 1205;

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
  protected readonly dialect: HistoryDialect = mysqlHistory;
  protected readonly knexClient = 'mysql2';
  protected readonly transactionSql = { begin: 'START TRANSACTION', commit: 'COMMIT', rollback: 'ROLLBACK' };
  /** The server's kind and lock-timeout behaviour, asked once, before the first migration. */
  private traits: ServerTraits | undefined;
  /** Where KILL QUERY goes from: the run lock's connection (a fork borrows its parent's). */
  private canceller: MysqlRunLock | undefined;

  constructor(
    target: DatabaseTarget,
    readonly connection: MysqlConnection,
    readonly lock?: MysqlRunLock,
  ) {
    super(target);
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
    const { sql, params } = takeWorkSlot(databaseOf(this.target.url));
    await this.connection.query(sql, params);
  }

  /**
   * A migration in a transaction WITH its history row written as `started` first:
   *
   *     SAVEPOINT m; INSERT … 'started'; body…; UPDATE … 'applied'
   *
   * MySQL commits implicitly before each DDL statement, which commits the `started` row with it:
   * from the first DDL on, a failure or a crash leaves the module dirty (the usual message, then
   * `repair`), exactly what happened. A body of data changes only stays one transaction with its
   * row: a failure rolls it back to the savepoint and the module stays clean. Which of the two
   * happened is read back after a failure (`BodyError.leftDirty`), so the message says what is true.
   *
   * Group commit: the `applied` mark is left uncommitted; the next migration's first DDL commits it
   * together with that migration's `started` row (one commit where a migration would otherwise
   * need two), and `flush` (or ~200 ms) commits what is left. A crash in that window shows a
   * migration that had finished as dirty, never the reverse: the check then finds it done, and
   * `repair` records it. A file with the no-transaction marker runs with autocommit.
   */
  override async apply(step: MigrationStep, context: StepContext): Promise<number> {
    this.traits ??= await this.connection.traits();
    if (!step.body.transactional) return super.apply(step, context);
    // A server that rolls back the whole transaction on a lock timeout would take earlier marks with it.
    if (this.traits.rollbackOnTimeout || (this.pendingSince && this.pendingSince() >= GROUP_COMMIT_MS)) await this.flush();
    const elapsed = stopwatch();
    await this.useTimeouts(context.timeouts ? this.timeoutStatements(context.timeouts) : []);
    this.inMarkedTransaction = true;
    try {
      if (step.body.format === 'script') await this.applyScriptMarked(step, context, elapsed);
      else await this.applySqlMarked(step, step.body.sql, context, elapsed);
      return elapsed();
    } catch (error) {
      if (error instanceof BodyError) error.leftDirty = await this.leftStarted(step);
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
    // One round trip before the body and one after it: each mark travels with its transaction
    // statements (the working connection takes several statements per call).
    const inline = (when: 'started' | 'done'): SqlRunner => ({
      query: async (text, params = []) => {
        // Earlier migrations' uncommitted `applied` marks stay in the open transaction. After DDL
        // the session is in autocommit: a transaction is reopened, so that the `applied` mark
        // waits for the next implicit commit (or flush) instead of paying a commit of its own.
        const begin = c.inTransaction === true ? '' : 'START TRANSACTION; ';
        const savepoint = when === 'started' ? 'SAVEPOINT modkit_migration; ' : '';
        await c.exec(`${begin}${savepoint}${c.format(text, params)}`);
        return [];
      },
      exec: (text) => c.exec(text),
    });
    this.pendingSince ??= stopwatch();
    try {
      await this.mark(inline('started'), step, context, 'started');
      // Statement by statement: each failure names its line, and a lock timeout retries the one
      // statement (MySQL rolls back only the statement that timed out; the transaction goes on).
      await this.runStatements(sql, context);
      await this.mark(inline('done'), step, context, 'done', elapsed());
    } catch (error) {
      await this.undoMigration();
      throw error;
    }
  }

  /**
   * After a failure: without an implicit commit since the savepoint, this migration alone is undone
   * and what came before it committed; after one, the savepoint is gone with it, and whatever the
   * statements after the DDL left open is rolled back.
   */
  private async undoMigration(): Promise<void> {
    const c = this.connection;
    try {
      await c.exec('ROLLBACK TO SAVEPOINT modkit_migration');
      await c.exec('COMMIT');
    } catch {
      await c.exec('ROLLBACK').catch(() => undefined);
    }
    this.pendingSince = undefined;
  }

  /** Commits the `applied` marks that wait (group commit). */
  override async flush(): Promise<void> {
    if (!this.pendingSince) return;
    await this.connection.exec('COMMIT');
    this.pendingSince = undefined;
  }

  /** A script: the same marks, in a knex transaction on this connection (its `db.transaction()` nests as a savepoint). */
  private async applyScriptMarked(step: MigrationStep, context: StepContext, elapsed: () => number): Promise<void> {
    const knex = await this.scripts();
    await this.flush(); // knex's BEGIN would commit the waiting marks implicitly anyway
    try {
      await knex.transaction(this.driverConnection, async (trx) => {
        const runner = knexRunner(trx);
        await this.mark(runner, step, context, 'started');
        await this.runScript(step, trx, context);
        await this.mark(runner, step, context, 'done', elapsed());
      });
    } catch (error) {
      const cause = error instanceof BodyError ? error.cause : error;
      if (this.isLockTimeout(cause)) throw new LockTimeoutError(cause, undefined, [], context.timeouts?.lockMs ?? 0);
      throw error;
    } finally {
      this.connection.inTransaction = undefined; // knex drove the connection: its state is not tracked
    }
  }

  /** The history row before the body (`started`) and after it (`applied`, or gone after a down). */
  private async mark(runner: SqlRunner, step: MigrationStep, context: StepContext, when: 'started' | 'done', durationMs = 0): Promise<void> {
    const { table, migration, direction } = step;
    const { dialect } = this;
    if (when === 'started') {
      if (direction === 'up') {
        const row = { version: migration.id, checksum: migration.checksum, durationMs: 0, state: STATE_STARTED, runId: context.runId } as const;
        await bookkeeping(table, 'mark-started', () => runner.query(historySql.insert(dialect, table), historySql.insertValues(row)));
      } else {
        await bookkeeping(table, 'mark-started', () => runner.query(historySql.markStarted(dialect, table), [STATE_STARTED, migration.id]));
      }
    } else if (direction === 'up') {
      await bookkeeping(table, 'mark-applied', () => runner.query(historySql.markApplied(dialect, table), [STATE_APPLIED, durationMs, migration.id]));
    } else {
      await bookkeeping(table, 'delete', () => runner.query(historySql.delete(dialect, table), [migration.id]));
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
    const match = /at line (\d+)\s*$/.exec(String((error as Error)?.message ?? ''));
    return match ? Number(match[1]) : undefined;
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
