import type { EngineDriver } from '../driver.js';
import { type GuardLost, lostSteps, runGuarded } from '../body-guard.js';
import { forcedStartedMark } from './marks.js';
import { scriptKnex, type ScriptKnex } from '../script-knex.js';
import { TransactionEndedError, type MigrationStep, type StepContext } from '../session.js';
import { runStatements, type RunStatementsOptions } from './run-statements.js';

/** What the commit strategy of a session holds open, as the shared pieces need it. */
export interface WaitingCommits {
  /** Commits and makes durable whatever waits (a grouped or asynchronous commit). */
  flush(): Promise<void>;
  /** The transaction that held what waits was ended by a body: forget it, it is gone. */
  forget(): void;
}

/**
 * A session's working connection with what every way of applying a step needs on it: plain
 * transactions, the body guard and what follows when a body ended modkit's transaction, body
 * statements run one by one, a clean session between migrations, knex for scripts. The strategies
 * (this folder) are built on it; the engine's facts come from its driver.
 */
export class WorkingConnection {
  /** Steps whose history write waits in a transaction still open (a group commit, `--tx-mode all`). */
  readonly uncommitted: MigrationStep[] = [];

  private knex: ScriptKnex | undefined;

  constructor(
    readonly driver: EngineDriver,
    /** The session's commit strategy (it is built on this connection, hence a function). */
    private readonly waiting: () => WaitingCommits,
  ) {}

  /** Commits what waits (see {@link WaitingCommits.flush}). */
  flush(): Promise<void> {
    return this.waiting().flush();
  }

  /** Puts the session back as a fresh connection has it, when user code may have changed it. */
  clean(): Promise<void> {
    return this.driver.hygiene.clean(() => this.flush());
  }

  /** Runs `work` between the engine's BEGIN and COMMIT on the working connection. */
  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    const { runner, transactionSql } = this.driver;
    await this.flush(); // no grouped or asynchronous commit stays open under it
    await this.clean();
    await runner.exec(transactionSql.begin);
    try {
      const result = await work();
      await runner.exec(transactionSql.commit);
      return result;
    } catch (error) {
      await runner.exec(transactionSql.rollback).catch(() => undefined);
      throw error;
    }
  }

  /** Body statements one by one (run-statements.ts), watched for changes to the session. */
  runStatements(sql: string, options?: RunStatementsOptions): Promise<void> {
    return this.driver.hygiene.watch(() => runStatements(this.driver, sql, options));
  }

  /** Runs a body inside the engine's guard (body-guard.ts), or as it is where the engine has none. */
  guarded(
    exec: (sql: string) => Promise<unknown>,
    work: () => Promise<void>,
    step: MigrationStep,
    context: StepContext,
  ): Promise<void> {
    const { guard } = this.driver;
    return guard ? runGuarded(guard, exec, (e) => this.driver.isGuardLost(e), work, step, context) : work();
  }

  /**
   * After a body ended the transaction modkit ran it in: what is still open is rolled back, the
   * history of the migrations that were waiting in that transaction is read back (which of them it
   * took along), and the migration is recorded as started, so that its module is dirty — some of
   * its work may be committed without its row. Returns the error that says all of it.
   */
  async transactionEnded(lostGuard: GuardLost): Promise<TransactionEndedError> {
    const { step, context, cause, bodyFailed } = lostGuard;
    const { runner, dialect, transactionSql } = this.driver;
    await runner.exec(transactionSql.rollback).catch(() => undefined);
    this.waiting().forget();
    const lost = await lostSteps(dialect, runner, this.uncommitted.splice(0));
    try {
      await this.inTransaction(async () => {
        for (const { sql, params } of forcedStartedMark(dialect, step, context.runId)) await runner.query(sql, params);
      });
      return new TransactionEndedError(cause, bodyFailed, lost, true);
    } catch (error) {
      return new TransactionEndedError(cause, bodyFailed, lost, false, error);
    }
  }

  /** The knex of script migrations on this connection, loaded on first use. */
  async scripts(): Promise<ScriptKnex> {
    const { knex } = this.driver;
    this.knex ??= await scriptKnex(knex.client, () => knex.plainConfig());
    return this.knex;
  }

  /** Closes the knex pool a no-transaction script opened, if any. */
  async close(): Promise<void> {
    await this.knex?.destroy();
  }
}
