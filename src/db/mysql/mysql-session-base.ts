import type { DatabaseTarget } from '../../config/types.js';
import type { HistoryDialect } from '../history-store.js';
import type { Knex } from '../../modules/knex-types.js';
import { SessionBase, type StepTimeouts } from '../session-base.js';
import { sampleBlockers, type BlockerWatch } from '../blocker-watch.js';
import type { StepContext } from '../session.js';
import type { SqlStatement } from '../split-sql.js';
import { connectMysql, databaseOf, MysqlConnection, type ServerTraits } from './mysql-connection.js';
import { MysqlSessionState } from './mysql-session-state.js';
import { mysqlHistory } from './mysql-history.js';
import { mysqlScriptKnexConfig } from './mysql-knex-config.js';
import { takeWorkSlot, type MysqlRunLock } from './mysql-lock.js';
import { isLockWaitTimeout, isServerError, placeServerErrorLine, serverErrorLine } from './mysql-errors.js';
import { mysqlTimeoutReset, mysqlTimeoutStatements, serverLockTimeoutMs } from './mysql-timeouts.js';
import { splitMysqlStatements } from './split-mysql.js';

/**
 * The MariaDB/MySQL connection under a session: its database and history dialect, the session's
 * state between migrations, how the server reports errors and lock timeouts, cancel and close. How
 * a migration is applied there (its marks, the group commit) is MysqlSession's.
 */
export abstract class MysqlSessionBase extends SessionBase {
  readonly capabilities = { concurrentMigrations: true, transactionalDdl: false };

  protected readonly dialect: HistoryDialect;

  protected readonly knexClient = 'mysql2';

  protected readonly transactionSql = { begin: 'START TRANSACTION', commit: 'COMMIT', rollback: 'ROLLBACK' };

  /** The server's kind and lock-timeout behaviour, asked once, before the first migration. */
  protected traits: ServerTraits | undefined;

  /** Where KILL QUERY goes from: the run lock's connection (a fork borrows its parent's). */
  protected canceller: MysqlRunLock | undefined;

  protected readonly database: string;

  /** Whether the last migration changed the session, and the timeouts in force. */
  protected readonly session: MysqlSessionState;

  constructor(
    target: DatabaseTarget,
    readonly connection: MysqlConnection,
    readonly lock?: MysqlRunLock,
  ) {
    super(target);
    this.database = databaseOf(target.url);
    this.dialect = mysqlHistory(this.database);
    this.session = new MysqlSessionState(connection, this.database);
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

  protected override cleanSession(): Promise<void> {
    return this.session.clean(() => this.flush());
  }

  /** Body statements, watching whether they change the session. */
  protected override runStatements(sql: string, context?: StepContext, statements?: readonly SqlStatement[]) {
    return this.session.watch(() => super.runStatements(sql, context, statements));
  }

  protected override lockTimeoutMsOf(ms: number): number {
    return serverLockTimeoutMs(ms);
  }

  protected override splitStatements(sql: string): readonly SqlStatement[] {
    return splitMysqlStatements(sql);
  }

  protected isStatementError(error: unknown): boolean {
    return isServerError(error);
  }

  protected override errorLine(error: unknown): number | undefined {
    return serverErrorLine(error);
  }

  protected override placeErrorLine(error: unknown, inner: number, statementLine: number): void {
    placeServerErrorLine(error, inner, statementLine);
  }

  protected override isLockTimeout(error: unknown): boolean {
    return isLockWaitTimeout(error);
  }

  /** The server's own timeouts for the step (mysql-timeouts.ts says which, per flavour). */
  protected override timeoutStatements(timeouts: StepTimeouts): string[] {
    return mysqlTimeoutStatements(timeouts, this.traits?.flavour);
  }

  protected override async resetTimeouts(): Promise<void> {
    this.session.timeoutsReset();
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
