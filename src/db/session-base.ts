import type { DatabaseTarget } from '../config/types.js';
import type { ModuleHistory } from '../plan/types.js';
import { stopwatch } from '../util/stopwatch.js';
import {
  createHistoryTable,
  historySql,
  readHistories,
  STATE_APPLIED,
  STATE_STARTED,
  upgradeHistoryTable,
  type HistoryDialect,
  type NewRecord,
  type SqlRunner,
} from './history-store.js';
import type { Knex } from './knex-types.js';
import { knexRunner, scriptKnex, scriptTransaction, type ScriptKnex } from './script-knex.js';
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
 * What every engine's session shares: the history tables, the no-transaction path, script
 * migrations through knex, `--tx-mode all`, lock timeouts with retries. An engine supplies its
 * connection, its history dialect, its transaction statements and how it applies a SQL migration
 * inside a transaction (the part where the engines differ most: one round trip, group commit, ...).
 */
export abstract class SessionBase implements Session {
  abstract readonly capabilities: SessionCapabilities;
  abstract readonly lock?: RunLock;
  /** The engine's history-table dialect. */
  protected abstract readonly dialect: HistoryDialect;
  /** The working connection. */
  protected abstract readonly runner: SqlRunner;
  /** The driver's own connection object, handed to knex for script migrations. */
  protected abstract readonly driverConnection: unknown;
  /** The knex client name (`pg`, `better-sqlite3`, `mysql2`). */
  protected abstract readonly knexClient: string;
  /** How this engine opens, commits and rolls back a plain transaction on the working connection. */
  protected abstract readonly transactionSql: { readonly begin: string; readonly commit: string; readonly rollback: string };

  /** Runs a transactional SQL migration and its history write in one transaction of its own. */
  protected abstract applySql(step: MigrationStep & { body: { format: 'sql' } }, context: StepContext): Promise<number>;
  /**
   * True for an error the database returned for a statement (its SQL failed), false for a lost
   * connection or a driver failure, which must not be blamed on the migration.
   */
  protected abstract isStatementError(error: unknown): boolean;
  /** Settings for the one-connection knex pool a no-transaction script gets. */
  protected abstract plainKnexConfig(): Knex.Config;

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
  /** Statements run inside a script migration's transaction before it (PostgreSQL: asynchronous commit). */
  protected scriptTransactionSetup(): readonly string[] {
    return [];
  }
  /** Runs before a script migration's transaction opens (SQLite commits its open group first). */
  protected async beforeScript(): Promise<void> {}
  /**
   * Runs a SQL body inside a transaction someone else opened (`--tx-mode all`), inside the guard.
   * Statement by statement by default, which names the failing line on any engine.
   */
  protected runSqlBody(sql: string, step: MigrationStep, context: StepContext): Promise<void> {
    return this.guarded((text) => this.runner.exec(text), () => this.runStatements(sql), step, context);
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

  /** True while `--tx-mode all` holds one transaction around everything. */
  protected get inOuterTransaction(): boolean {
    return this.outer !== undefined;
  }

  /** Set while `--tx-mode all` holds one transaction around everything. */
  private outer: { readonly knex?: Knex.Transaction } | undefined;
  private knex: ScriptKnex | undefined;

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

  async apply(step: MigrationStep, context: StepContext): Promise<number> {
    try {
      return await this.applyStep(step, context);
    } finally {
      this.noteUserCode();
    }
  }

  private async applyStep(step: MigrationStep, context: StepContext): Promise<number> {
    const elapsed = stopwatch();
    if (!step.body.transactional) {
      await this.applyOutsideTransaction(step, context);
      return elapsed();
    }
    if (this.outer) {
      const { knex } = this.outer;
      try {
        if (step.body.format === 'sql') await this.runSqlBody(step.body.sql, step, context);
        else {
          await this.cleanSession();
          await this.guarded((sql) => this.runner.exec(sql), () => this.runBody(step, context, knex), step, context);
        }
        this.noteUserCode();
      } catch (error) {
        throw error instanceof GuardLost ? await this.transactionEnded(error) : error;
      }
      await this.record(this.runner, step, context, elapsed());
      this.uncommitted.push(step);
      return elapsed();
    }
    // A migration that hit the lock timeout was rolled back entirely: it can simply run again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (step.body.format === 'script') {
          await this.applyScript(step, context);
          return elapsed();
        }
        return await this.applySql(step as MigrationStep & { body: { format: 'sql' } }, context);
      } catch (error) {
        if (!(await this.retryAfterLockTimeout(error, attempt, context))) throw error;
      }
    }
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

  async inOneTransaction<T>(work: () => Promise<T>, options: { readonly scripts?: boolean } = {}): Promise<T> {
    if (!options.scripts) {
      return this.inTransaction(async () => {
        this.outer = {};
        try {
          return await work();
        } finally {
          this.outer = undefined;
          this.uncommitted.length = 0; // committed or rolled back with the one transaction
        }
      });
    }
    // Script migrations need a Knex.Transaction: knex itself opens the one transaction (on our
    // connection, through its public `connection` option), and each script nests in it.
    const knex = await this.scripts();
    await this.flush();
    let result: T | undefined;
    await knex.transaction(this.driverConnection, async (trx) => {
      this.outer = { knex: trx };
      try {
        result = await work();
      } finally {
        this.outer = undefined;
        this.uncommitted.length = 0;
      }
    });
    return result as T;
  }

  abstract fork(): Promise<Session>;

  async flush(): Promise<void> {}

  /** By default a grouped commit is settled by flushing it; engines whose commits are visible at once say so. */
  async settle(): Promise<void> {
    await this.flush();
  }

  abstract cancel(): Promise<void>;

  async close(): Promise<void> {
    await this.knex?.destroy();
  }

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
  protected guarded(exec: (sql: string) => Promise<unknown>, work: () => Promise<void>, step: MigrationStep, context: StepContext): Promise<void> {
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
        for (const write of markStartedWrites(this.dialect, step, context.runId)) await this.runner.query(write.sql, write.params);
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

  private async retryAfterLockTimeout(error: unknown, attempt: number, context: StepContext): Promise<boolean> {
    return error instanceof LockTimeoutError && context.onLockTimeout !== undefined && (await context.onLockTimeout(error, attempt));
  }

  /**
   * A no-transaction migration: recorded as started first (so a crash leaves the module dirty),
   * then its statements one by one, then recorded as applied. Commits of earlier migrations are
   * made durable before it starts, since nothing of it can be rolled back.
   */
  private async applyOutsideTransaction(step: MigrationStep, context: StepContext): Promise<void> {
    const { dialect, runner } = this;
    const { table, migration } = step;
    const elapsed = stopwatch();
    await this.flush();
    await this.cleanSession();
    if (step.direction === 'up') {
      const row: NewRecord = { version: migration.id, checksum: migration.checksum, durationMs: 0, state: STATE_STARTED, runId: context.runId };
      await bookkeeping(table, 'mark-started', () => runner.query(historySql.insert(dialect, table), historySql.insertValues(row)));
    } else {
      await bookkeeping(table, 'mark-started', () => runner.query(historySql.markStarted(dialect, table), [STATE_STARTED, migration.id]));
    }
    const timeouts = context.timeouts ? this.timeoutStatements(context.timeouts, 'session') : [];
    for (const statement of timeouts) await runner.exec(statement);
    try {
      await this.runBody(step, context);
    } finally {
      if (timeouts.length > 0) await this.resetTimeouts().catch(() => undefined);
    }
    this.noteUserCode();
    await this.cleanSession(); // the mark below is modkit's own: not as a role the body set
    if (step.direction === 'up') {
      await bookkeeping(table, 'mark-applied', () => runner.query(historySql.markApplied(dialect, table), [STATE_APPLIED, elapsed(), migration.id]));
    } else {
      await bookkeeping(table, 'delete', () => runner.query(historySql.delete(dialect, table), [migration.id]));
    }
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

  /**
   * A transactional script migration: knex opens the transaction on our connection (its public
   * `connection` option), the script gets that `Knex.Transaction` (its own `db.transaction()` nests
   * as a savepoint), and the history row is written through it, so both commit or roll back together.
   */
  private async applyScript(step: MigrationStep, context: StepContext): Promise<void> {
    const knex = await this.scripts();
    await this.beforeScript();
    await this.cleanSession();
    const elapsed = stopwatch();
    const setup = [...this.scriptTransactionSetup(), ...(context.timeouts ? this.timeoutStatements(context.timeouts, 'local') : [])];
    const watch = context.timeouts?.lockMs ? this.watchBlockers(context.timeouts.lockMs) : undefined;
    // knex's own ROLLBACK after an ended transaction may fail and replace the error: remember it.
    let lost: GuardLost | undefined;
    try {
      await knex.transaction(this.driverConnection, async (trx) => {
        for (const statement of setup) await trx.raw(statement);
        const exec = (sql: string) => trx.raw(sql);
        await this.guarded(exec, () => this.runScript(step, scriptTransaction(trx), context), step, context).catch((error: unknown) => {
          if (error instanceof GuardLost) lost = error;
          throw error;
        });
        await this.record(knexRunner(trx), step, context, elapsed());
      });
    } catch (error) {
      if (lost) throw await this.transactionEnded(lost);
      // A script's lock timeout surfaces from inside the user's code: recognise it there too.
      const cause = error instanceof BodyError ? error.cause : error;
      if (this.isLockTimeout(cause)) throw new LockTimeoutError(cause, undefined, watch?.stop() ?? [], this.lockTimeoutMsOf(context.timeouts?.lockMs ?? 0));
      throw error;
    } finally {
      watch?.stop();
    }
  }

  /** Runs the body: SQL statement by statement, or the script with the knex it should get. */
  private async runBody(step: MigrationStep, context: StepContext, trx?: Knex.Transaction): Promise<void> {
    const { body } = step;
    if (body.format === 'sql') {
      await this.runStatements(body.sql, context);
      return;
    }
    if (trx) {
      await trx.transaction((nested) => this.runScript(step, scriptTransaction(nested), context));
      return;
    }
    await this.runScript(step, (await this.scripts()).plain(), context);
  }

  protected async runScript(step: MigrationStep, db: Knex, context: StepContext): Promise<void> {
    if (step.body.format !== 'script') throw new Error('not a script migration');
    try {
      // A script may wait on timers or I/O that no database cancel reaches: stop waiting for it,
      // so its transaction rolls back; knex refuses its later queries on the finished transaction.
      await untilAborted(Promise.resolve(step.body.run(db)), context.signal);
    } catch (error) {
      throw new BodyError(error);
    }
  }

  protected async scripts(): Promise<ScriptKnex> {
    this.knex ??= await scriptKnex(this.knexClient, () => this.plainKnexConfig());
    return this.knex;
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('cancelled by a signal'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
