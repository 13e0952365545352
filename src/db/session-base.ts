import { stopwatch } from '../util/stopwatch.js';
import { historySql, STATE_APPLIED, STATE_STARTED, type NewRecord } from './history-store.js';
import type { Knex } from '../modules/knex-types.js';
import { knexRunner, scriptKnex, scriptTransaction, type ScriptKnex } from './script-knex.js';
import { GuardLost } from './body-guard.js';
import { BodyError, bookkeeping, LockTimeoutError, type MigrationStep, type StepContext } from './session.js';
import { SessionCore } from './session-core.js';

export type { StepTimeouts } from './session-core.js';

/**
 * What every engine's session shares: the history tables, the no-transaction path, script
 * migrations through knex, `--tx-mode all`, lock timeouts with retries. An engine supplies its
 * connection, its history dialect, its transaction statements and how it applies a SQL migration
 * inside a transaction (the part where the engines differ most: one round trip, group commit, ...).
 */
export abstract class SessionBase extends SessionCore {
  /** The driver's own connection object, handed to knex for script migrations. */
  protected abstract readonly driverConnection: unknown;

  /** The knex client name (`pg`, `better-sqlite3`, `mysql2`). */
  protected abstract readonly knexClient: string;

  /** Runs a transactional SQL migration and its history write in one transaction of its own. */
  protected abstract applySql(step: MigrationStep & { body: { format: 'sql' } }, context: StepContext): Promise<number>;

  /** Settings for the one-connection knex pool a no-transaction script gets. */
  protected abstract plainKnexConfig(): Knex.Config;

  /** Statements run inside a script migration's transaction before it (PostgreSQL: asynchronous commit). */
  protected scriptTransactionSetup(): readonly string[] {
    return [];
  }

  /** A script migration's transaction committed (PostgreSQL: asynchronously, to be flushed). */
  protected scriptCommitted(_step: MigrationStep): void {}

  /** Runs before a script migration's transaction opens (SQLite commits its open group first). */
  protected async beforeScript(): Promise<void> {}

  /**
   * Runs a SQL body inside a transaction someone else opened (`--tx-mode all`), inside the guard.
   * Statement by statement by default, which names the failing line on any engine.
   */
  protected runSqlBody(sql: string, step: MigrationStep, context: StepContext): Promise<void> {
    return this.guarded((text) => this.runner.exec(text), () => this.runStatements(sql), step, context);
  }

  /** True while `--tx-mode all` holds one transaction around everything. */
  protected get inOuterTransaction(): boolean {
    return this.outer !== undefined;
  }

  /** Set while `--tx-mode all` holds one transaction around everything. */
  private outer: { readonly knex?: Knex.Transaction } | undefined;

  private knex: ScriptKnex | undefined;

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

  override async close(): Promise<void> {
    await this.knex?.destroy();
    await super.close();
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
        const run = () => this.runScript(step, scriptTransaction(trx), context);
        await this.guarded(exec, run, step, context).catch((error: unknown) => {
          if (error instanceof GuardLost) lost = error;
          throw error;
        });
        await this.record(knexRunner(trx), step, context, elapsed());
      });
      this.scriptCommitted(step);
    } catch (error) {
      if (lost) throw await this.transactionEnded(lost);
      // A script's lock timeout surfaces from inside the user's code: recognise it there too.
      const cause = error instanceof BodyError ? error.cause : error;
      const lockMs = this.lockTimeoutMsOf(context.timeouts?.lockMs ?? 0);
      if (this.isLockTimeout(cause)) throw new LockTimeoutError(cause, undefined, watch?.stop() ?? [], lockMs);
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
