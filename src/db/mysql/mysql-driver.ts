import type { DatabaseTarget } from '../../config/types.js';
import { sampleBlockers, type BlockerWatch } from '../blocker-watch.js';
import type { EngineDriver, SessionHygiene, StepTimeouts } from '../driver.js';
import type { HistoryDialect } from '../history-store.js';
import type { MigrationStep } from '../session.js';
import type { SqlStatement } from '../split-sql.js';
import { connectMysql, type MysqlConnection, type ServerTraits } from './mysql-connection.js';
import { isLockWaitTimeout, isServerError, placeServerErrorLine, serverErrorLine } from './mysql-errors.js';
import { mysqlHistory } from './mysql-history.js';
import { mysqlScriptKnexConfig } from './mysql-knex-config.js';
import type { MysqlRunLock } from './mysql-lock.js';
import { MysqlSessionState } from './mysql-session-state.js';
import { mysqlTimeoutReset, mysqlTimeoutStatements, serverLockTimeoutMs } from './mysql-timeouts.js';
import { splitMysqlStatements } from './split-mysql.js';

/**
 * MariaDB and MySQL through `mysql2`: no savepoint guard (DDL commits implicitly, so the session
 * checks its marks instead), error lines as the server names them, timeouts per server flavour,
 * the session state the server reports (mysql-session-state.ts). `lockSide`: the run lock's
 * connection (a fork's parent's), from which blockers are looked up and KILL QUERY goes.
 */
export class MysqlDriver implements EngineDriver {
  readonly dialect: HistoryDialect;
  readonly transactionSql = { begin: 'START TRANSACTION', commit: 'COMMIT', rollback: 'ROLLBACK' };
  readonly knex: EngineDriver['knex'];
  /** Whether the last migration changed the session, and the timeouts in force. */
  readonly state: MysqlSessionState;
  readonly hygiene: SessionHygiene;

  constructor(
    private readonly target: DatabaseTarget,
    readonly runner: MysqlConnection,
    readonly database: string,
    private readonly lockSide: MysqlRunLock | undefined,
    /** The server's kind and lock-timeout behaviour, asked once (a fork takes its parent's). */
    private known?: Promise<ServerTraits>,
  ) {
    this.dialect = mysqlHistory(database);
    this.state = new MysqlSessionState(runner, database);
    // The callback-style mysql2 connection under the promise wrapper: what knex's mysql2 client drives.
    const connection = (runner.connection as unknown as { connection: unknown }).connection;
    this.knex = { client: 'mysql2', connection, plainConfig: () => mysqlScriptKnexConfig(target.url) };
    const { state } = this;
    this.hygiene = {
      watch: (work) => state.watch(work),
      // A script's statements go through knex, unseen by the session tracking: reset after it.
      ran: (step: MigrationStep) => {
        if (step.body.format === 'script') state.suspect();
      },
      prefix: () => '',
      clean: (commitWaiting) => state.clean(commitWaiting),
    };
  }

  /** The traits if asked already (a fork takes them, and asks nothing). */
  get knownTraits(): Promise<ServerTraits> | undefined {
    return this.known;
  }

  /** The server's kind and lock-timeout behaviour (one round trip, the first time). */
  traits(): Promise<ServerTraits> {
    this.known ??= this.runner.traits();
    return this.known;
  }

  isStatementError(error: unknown): boolean {
    return isServerError(error);
  }

  isLockTimeout(error: unknown): boolean {
    return isLockWaitTimeout(error);
  }

  /** DDL commits the transaction instead of refusing to run in one. */
  needsNoTransaction(): boolean {
    return false;
  }

  /** No guard: its marks' row counts tell (marked-transaction.ts). */
  isGuardLost(): boolean {
    return false;
  }

  errorLine(error: unknown, statement: Pick<SqlStatement, 'text' | 'line'>): number | undefined {
    const inner = serverErrorLine(error);
    if (inner) placeServerErrorLine(error, inner, statement.line);
    return inner;
  }

  lockTimeoutMsOf(ms: number): number {
    return serverLockTimeoutMs(ms);
  }

  /** The server's own timeouts for the step, session-wide whatever the scope (mysql-timeouts.ts says which). */
  async timeoutStatements(timeouts: StepTimeouts): Promise<readonly string[]> {
    return mysqlTimeoutStatements(timeouts, (await this.traits()).flavour);
  }

  async resetTimeouts(): Promise<void> {
    this.state.timeoutsReset();
    await this.runner.exec(mysqlTimeoutReset((await this.traits()).flavour));
  }

  splitStatements(sql: string): readonly SqlStatement[] {
    return splitMysqlStatements(sql);
  }

  /** Samples who holds open transactions, from the lock's connection, while a statement waits. */
  watchBlockers(lockMs: number): BlockerWatch | undefined {
    const via = this.lockSide;
    if (!via) return undefined;
    const id = this.runner.id;
    return sampleBlockers(() => via.blockersOf(id), lockMs);
  }

  async cancel(): Promise<void> {
    if (this.lockSide) {
      await this.lockSide.cancel(this.runner.id);
      return;
    }
    const killer = await connectMysql(this.target.url);
    try {
      await killer.query('KILL QUERY ?', [this.runner.id]);
    } finally {
      await killer.close();
    }
  }
}
