import type { DatabaseTarget } from '../config/types.js';
import type { ModuleHistory } from './history-types.js';
import {
  createHistoryTable,
  historySql,
  readHistories,
  STATE_APPLIED,
  upgradeHistoryTable,
  type HistoryDialect,
  type NewRecord,
  type SqlRunner,
} from './history-store.js';
import { GuardLost, lostSteps, markStartedWrites, runGuarded, type BodyGuard } from './body-guard.js';
import {
  BodyError,
  bookkeeping,
  LockTimeoutError,
  TransactionEndedError,
  type HistoryUpgrade,
  type HistoryWriter,
  type MigrationStep,
  type RunLock,
  type Session,
  type SessionCapabilities,
  type StepContext,
} from './session.js';
import type { BlockerWatch } from './blocker-watch.js';
import { splitSqlStatements, type SqlStatement } from './split-sql.js';

/** The lock and statement timeouts of one step, in ms (0 = none). */
export type StepTimeouts = NonNullable<StepContext['timeouts']>;

/**
 * What every engine's session has at the level of its working connection: the history tables and
 * their writes, transactions, statements run one by one with their failing line, the body guard
 * and what follows when a body ended modkit's transaction, a clean session between migrations.
 * The ways of applying a step are built on it (session-base.ts).
 */
export abstract class SessionCore implements Session {
  abstract readonly capabilities: SessionCapabilities;

  abstract readonly lock?: RunLock;

  /** The engine's history-table dialect. */
  protected abstract readonly dialect: HistoryDialect;

  /** The working connection. */
  protected abstract readonly runner: SqlRunner;

  /** How this engine opens, commits and rolls back a plain transaction on the working connection. */
  protected abstract readonly transactionSql: { readonly begin: string; readonly commit: string; readonly rollback: string };

  /**
   * True for an error the database returned for a statement (its SQL failed), false for a lost
   * connection or a driver failure, which must not be blamed on the migration.
   */
  protected abstract isStatementError(error: unknown): boolean;

  /** The 1-based line of an error inside `sql` when the engine reports a position. */
  protected errorLine(_error: unknown, _sql: string): number | undefined {
    return undefined;
  }

  /** Lets an engine whose message names the statement's own line say which line of the file that is. */
  protected placeErrorLine(_error: unknown, _inner: number, _statementLine: number): void {}

  /** True when the statement gave up waiting for a lock (the lock timeout). */
  protected isLockTimeout(_error: unknown): boolean {
    return false;
  }

  /** The lock timeout the server really applied for a configured `ms` (its resolution may be coarser). */
  protected lockTimeoutMsOf(ms: number): number {
    return ms;
  }

  /**
   * Statements that set the step's timeouts: for its own transaction (`local`) or for the session
   * until reset (`session`, the no-transaction path). None by default (engines without them).
   */
  protected timeoutStatements(_timeouts: StepTimeouts, _scope: 'local' | 'session'): readonly string[] {
    return [];
  }

  /** Starts watching who blocks the working connection (for the report of a lock timeout of `lockMs`). */
  protected watchBlockers(_lockMs: number): BlockerWatch | undefined {
    return undefined;
  }

  /** How this engine's SQL files split into statements (MySQL: its client's `DELIMITER` rules). */
  protected splitStatements(sql: string): readonly SqlStatement[] {
    return splitSqlStatements(sql);
  }

  /**
   * The savepoint that tells, after a body, whether the body ended modkit's transaction
   * (body-guard.ts); engines whose DDL commits implicitly check their marks instead.
   */
  protected readonly bodyGuard: BodyGuard | undefined = undefined;

  /** True when `error` says the guard's savepoint, or the transaction it was in, is gone. */
  protected isGuardLost(_error: unknown): boolean {
    return false;
  }

  /** Steps whose history write waits in a transaction still open (a group commit, `--tx-mode all`). */
  protected readonly uncommitted: MigrationStep[] = [];

  /** Forgets what an ended transaction held (a group it was part of); the connection has rolled back. */
  protected afterTransactionEnded(): void {}

  constructor(readonly target: DatabaseTarget) {}

  readHistories(modules: readonly string[]): Promise<Map<string, ModuleHistory>> {
    return readHistories(this.dialect, this.runner, modules);
  }

  createHistory(table: string): Promise<void> {
    return createHistoryTable(this.dialect, this.runner, table);
  }

  upgradeHistory(history: ModuleHistory): Promise<HistoryUpgrade | undefined> {
    return upgradeHistoryTable(this.dialect, this.runner, history);
  }

  async writeHistory<T>(work: (history: HistoryWriter) => Promise<T>): Promise<T> {
    const { dialect, runner } = this;
    const write = (table: string, action: Parameters<typeof bookkeeping>[1], sql: string, params: readonly unknown[]) =>
      bookkeeping(table, action, () => runner.query(sql, params)).then(() => undefined);
    const writer: HistoryWriter = {
      create: (table) => createHistoryTable(dialect, runner, table),
      upgrade: (history) => upgradeHistoryTable(dialect, runner, history),
      insert: (table, version, checksum) =>
        write(table, 'record', historySql.insert(dialect, table), historySql.insertValues({ version, checksum, durationMs: null, state: STATE_APPLIED, runId: null })),
      repair: (table, version, checksum) => write(table, 'repair', historySql.repair(dialect, table), [checksum, STATE_APPLIED, version]),
      markApplied: (table, version) => write(table, 'mark-applied', historySql.markApplied(dialect, table), [STATE_APPLIED, 0, version]),
      remove: (table, version) => write(table, 'delete', historySql.delete(dialect, table), [version]),
    };
    return this.inTransaction(() => work(writer));
  }

  abstract fork(): Promise<Session>;

  async flush(): Promise<void> {}

  /** By default a grouped commit is settled by flushing it; engines whose commits are visible at once say so. */
  async settle(): Promise<void> {
    await this.flush();
  }

  abstract cancel(): Promise<void>;

  /** Runs `work` between this engine's BEGIN and COMMIT on the working connection. */
  protected async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await this.flush(); // no grouped or asynchronous commit stays open under it
    await this.cleanSession();
    await this.runner.exec(this.transactionSql.begin);
    try {
      const result = await work();
      await this.runner.exec(this.transactionSql.commit);
      return result;
    } catch (error) {
      await this.runner.exec(this.transactionSql.rollback).catch(() => undefined);
      throw error;
    }
  }

  /** Runs a body inside the engine's guard (body-guard.ts), or as it is where the engine has none. */
  protected guarded(exec: (sql: string) => Promise<unknown>, work: () => Promise<void>, step: MigrationStep, context: StepContext) {
    const guard = this.bodyGuard;
    return guard ? runGuarded(guard, exec, (e) => this.isGuardLost(e), work, step, context) : work();
  }

  /**
   * After a body ended the transaction modkit ran it in: what is still open is rolled back, the
   * history of the migrations that were waiting in that transaction is read back (which of them it
   * took along), and the migration is recorded as started, so that its module is dirty — some of
   * its work may be committed without its row. Returns the error that says all of it.
   */
  protected async transactionEnded(lostGuard: GuardLost): Promise<TransactionEndedError> {
    const { step, context, cause, bodyFailed } = lostGuard;
    await this.runner.exec(this.transactionSql.rollback).catch(() => undefined);
    this.afterTransactionEnded();
    const lost = await lostSteps(this.dialect, this.runner, this.uncommitted.splice(0));
    try {
      await this.inTransaction(async () => {
        for (const { sql, params } of markStartedWrites(this.dialect, step, context.runId)) await this.runner.query(sql, params);
      });
      return new TransactionEndedError(cause, bodyFailed, lost, true);
    } catch (error) {
      return new TransactionEndedError(cause, bodyFailed, lost, false, error);
    }
  }

  /**
   * Statement by statement, each its own call, so a failure names its line: the statement's own,
   * refined by the engine's error position. `retry`: outside a transaction, a statement that hit
   * the lock timeout is tried again by itself — never the statements already done.
   */
  protected async runStatements(sql: string, context?: StepContext, statements = this.splitStatements(sql)): Promise<void> {
    for (const [index, statement] of statements.entries()) {
      for (let attempt = 1; ; attempt += 1) {
        const watch = context?.timeouts?.lockMs ? this.watchBlockers(context.timeouts.lockMs) : undefined;
        try {
          await this.runner.exec(statement.text);
          watch?.stop();
          break;
        } catch (error) {
          const blockers = watch?.stop() ?? [];
          if (!this.isStatementError(error)) throw error;
          const inner = this.errorLine(error, statement.text);
          if (inner) this.placeErrorLine(error, inner, statement.line);
          const failure = this.bodyError(error, inner ? statement.line + inner - 1 : statement.line, blockers, context);
          failure.statementIndex = index;
          if (!context || !(await this.retryAfterLockTimeout(failure, attempt, context))) throw failure;
        }
      }
    }
  }

  /** True when a lock timeout is to be tried again (the step's policy says so, after its wait). */
  protected async retryAfterLockTimeout(error: unknown, attempt: number, context: StepContext): Promise<boolean> {
    return error instanceof LockTimeoutError && context.onLockTimeout !== undefined && (await context.onLockTimeout(error, attempt));
  }

  /** A failed statement as the body's error: a lock timeout says who held the lock. */
  protected bodyError(error: unknown, line: number | undefined, blockers: readonly string[], context?: StepContext): BodyError {
    return this.isLockTimeout(error) ? new LockTimeoutError(error, line, blockers, this.lockTimeoutMsOf(context?.timeouts?.lockMs ?? 0)) : new BodyError(error, line);
  }

  /** The history row write of a step that ran: insert (up) or delete (down). */
  protected async record(runner: SqlRunner, step: MigrationStep, context: StepContext, durationMs: number): Promise<void> {
    const { dialect } = this;
    const { table, migration } = step;
    if (step.direction === 'down') {
      await bookkeeping(table, 'delete', () => runner.query(historySql.delete(dialect, table), [migration.id]));
      return;
    }
    const row: NewRecord = { version: migration.id, checksum: migration.checksum, durationMs, state: STATE_APPLIED, runId: context.runId };
    await bookkeeping(table, 'record', () => runner.query(historySql.insert(dialect, table), historySql.insertValues(row)));
  }

  /** Undoes the session-level timeouts of the no-transaction path. */
  protected async resetTimeouts(): Promise<void> {}

  /**
   * User code ran on the working connection (a migration's body) and may have changed its session
   * (SPEC §5: every migration starts from the session a fresh client would have). Engines that
   * cannot see what changed reset it before modkit's next statement (see {@link cleanSession}).
   */
  protected noteUserCode(): void {}

  /** Puts the session back as a fresh connection has it, when user code may have changed it. */
  protected async cleanSession(): Promise<void> {}

  /** Closes what the engine opened (each engine releases its lock and connections, then calls this). */
  async close(): Promise<void> {}

  abstract apply(step: MigrationStep, context: StepContext): Promise<number>;

  abstract inOneTransaction<T>(work: () => Promise<T>, options?: { readonly scripts?: boolean }): Promise<T>;
}
