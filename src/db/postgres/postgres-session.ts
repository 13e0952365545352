import pg from 'pg';
import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { deleteRecordLiteral, insertRecordLiteral, STATE_APPLIED, type HistoryDialect } from '../history-store.js';
import type { Knex } from '../../modules/knex-types.js';
import { SessionBase, type StepTimeouts } from '../session-base.js';
import { sampleBlockers, type BlockerWatch } from '../blocker-watch.js';
import { GuardLost } from '../body-guard.js';
import { bookkeeping, CommitUnconfirmedError, HistoryError } from '../session.js';
import type { MigrationRef, MigrationStep, Session, StepContext } from '../session.js';
import { lineOfOffset } from '../split-sql.js';
import { BEGIN, GUARD, migrationScript } from './migration-script.js';
import { stopwatch } from '../../util/stopwatch.js';
import { APPLICATION_NAMES, CONNECT_TIMEOUT_MS, connectClient, PostgresConnection } from './postgres-connection.js';
import { sessionSettings, startupOptions } from './postgres-connection.js';
import { DEFAULT_HISTORY_SCHEMA, postgresHistory } from './postgres-history.js';
import { postgresLockKeys } from '../lock-key.js';
import { joinBarrier, PostgresRunLock } from './postgres-lock.js';
import type { LintCatalogReader } from '../lint-catalog.js';
import { readPostgresLintCatalog } from './postgres-lint-catalog.js';
import { SessionReset } from './session-reset.js';

/** statement_timestamp() is when the script arrived; clock_timestamp() is now. */
const ELAPSED_MS_SQL = 'floor(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::int';

/**
 * PostgreSQL: transactional DDL, several connections at once (`--concurrency`), and a whole SQL
 * migration with its history row in ONE round trip (`BEGIN; body; insert; COMMIT` through the
 * simple query protocol), committed asynchronously so a thousand migrations do not wait for a
 * thousand WAL flushes; `flush` then waits once for all of them.
 */
export class PostgresSession extends SessionBase {
  readonly capabilities = { concurrentMigrations: true, transactionalDdl: true };
  protected readonly dialect: HistoryDialect;
  protected readonly knexClient = 'pg';
  protected readonly transactionSql = { begin: 'BEGIN', commit: 'COMMIT', rollback: 'ROLLBACK' };
  protected override readonly bodyGuard = GUARD;
  /** Some commit since the last flush was asynchronous. */
  private unflushed = false;
  /** The migrations those commits recorded: what a failed flush leaves unconfirmed. */
  private readonly unflushedSteps: MigrationRef[] = [];
  /** What the last migration may have left in the session, undone in the next round trip. */
  private readonly reset: SessionReset;

  constructor(
    target: DatabaseTarget,
    readonly connection: PostgresConnection,
    readonly lock?: PostgresRunLock,
    /** A pool's connection, lent for one target: close() gives it back instead of closing it. */
    private readonly lease?: { giveBack(connection: PostgresConnection): Promise<void> },
  ) {
    super(target);
    this.dialect = postgresHistory(target.schema ?? DEFAULT_HISTORY_SCHEMA);
    this.reset = new SessionReset(target.searchPath);
  }

  /**
   * A module's history table is created in an asynchronously committed transaction like the
   * migrations after it: a fleet creates ten thousand of them, and a synchronous commit each waited
   * for a WAL flush every time. `flush` (at the end of the run, before success is reported) makes
   * them durable with the migrations.
   */
  override async createHistory(table: string): Promise<void> {
    // Under --tx-mode all it belongs to the one transaction: a COMMIT of its own would end that.
    if (this.inOuterTransaction) return super.createHistory(table);
    await bookkeeping(table, 'create', async () => {
      try {
        await this.connection.exec(`${this.reset.take()}${BEGIN}; ${this.dialect.createTableSql(table)}; COMMIT`);
      } catch (error) {
        await this.connection.exec('ROLLBACK').catch(() => undefined);
        this.reset.note(); // a reset sent with it rolled back too
        throw error;
      }
    });
    this.unflushed = true;
  }

  protected get runner(): PostgresConnection {
    return this.connection;
  }

  readonly lintCatalog: LintCatalogReader = { readLintCatalog: (request) => readPostgresLintCatalog(this.connection, request) };

  protected get driverConnection(): pg.Client {
    return this.connection.client;
  }

  protected async applySql(step: MigrationStep & { body: { format: 'sql' } }, context: StepContext): Promise<number> {
    const elapsed = stopwatch();
    const { table, migration, body } = step;
    const record =
      step.direction === 'up'
        ? insertRecordLiteral(this.dialect, table, { version: migration.id, checksum: migration.checksum, state: STATE_APPLIED, runId: context.runId }, ELAPSED_MS_SQL)
        : deleteRecordLiteral(this.dialect, table, migration.id);
    const timeouts = context.timeouts ? this.timeoutStatements(context.timeouts, 'local') : [];
    const { script, bodyEnd } = migrationScript(body.sql, record, timeouts, this.reset);
    const watch = context.timeouts?.lockMs ? this.watchBlockers(context.timeouts.lockMs) : undefined;
    try {
      await this.connection.exec(script);
      this.unflushed = true;
      this.unflushedSteps.push({ module: step.migration.module, id: step.migration.id });
      return elapsed();
    } catch (error) {
      if (this.isGuardLost(error)) throw await this.transactionEnded(new GuardLost(error, step, context, false));
      const failure = this.classify(error, script, bodyEnd, table, watch?.stop() ?? [], context);
      // The body failed: had it ended the transaction before? (A failed history write came after the guard's release.)
      if (failure instanceof HistoryError) await this.connection.exec('ROLLBACK').catch(() => undefined);
      else if (!(await this.undoBody())) throw await this.transactionEnded(new GuardLost(error, step, context, true));
      throw failure;
    } finally {
      watch?.stop();
    }
  }

  /**
   * After a failed one-round-trip migration: back to the guard's savepoint, then rolled back. False
   * when the savepoint is gone: the body had ended the transaction before it failed.
   */
  private async undoBody(): Promise<boolean> {
    try {
      await this.connection.exec(`${GUARD.undo}; ROLLBACK`);
      return true;
    } catch (error) {
      await this.connection.exec('ROLLBACK').catch(() => undefined);
      return !this.isGuardLost(error);
    }
  }

  /**
   * `RELEASE`/`ROLLBACK TO` of the guard failed because its savepoint (3B001, which names it) or
   * the transaction block (25P01) is gone: the body ended modkit's transaction.
   */
  protected override isGuardLost(error: unknown): boolean {
    const { code, message } = (error ?? {}) as { code?: string; message?: string };
    return code === '25P01' || (code === '3B001' && String(message).includes('modkit_body'));
  }

  /** Whether the one-round-trip script failed in the user's body or in modkit's history write. */
  private classify(error: unknown, script: string, bodyEnd: number, table: string, blockers: readonly string[], context: StepContext): unknown {
    if (!this.isStatementError(error)) return error;
    const { position, table: errorTable, message } = error as { position?: string; table?: string; message?: string };
    const at = Number(position);
    if (Number.isInteger(at) && at > 0) {
      return at - 1 >= bodyEnd ? new HistoryError(table, 'record', error) : this.bodyError(error, lineOfOffset(script, at - 1), blockers, context);
    }
    // Errors without a position (permissions, constraints) name the table they are about.
    if (errorTable === table || String(message ?? '').includes(table)) return new HistoryError(table, 'record', error);
    return this.bodyError(error, undefined, blockers, context);
  }

  protected override isLockTimeout(error: unknown): boolean {
    return (error as { code?: string })?.code === '55P03'; // lock_not_available
  }

  protected override timeoutStatements(timeouts: StepTimeouts, scope: 'local' | 'session'): string[] {
    const set = scope === 'local' ? 'SET LOCAL' : 'SET';
    return [
      ...(timeouts.lockMs > 0 ? [`${set} lock_timeout = '${Math.round(timeouts.lockMs)}ms'`] : []),
      ...(timeouts.statementMs > 0 ? [`${set} statement_timeout = '${Math.round(timeouts.statementMs)}ms'`] : []),
    ];
  }

  protected override async resetTimeouts(): Promise<void> {
    await this.connection.exec('RESET lock_timeout; RESET statement_timeout');
  }

  /** Samples `pg_blocking_pids` of the working connection from the lock's connection. */
  protected override watchBlockers(lockMs: number): BlockerWatch | undefined {
    const via = this.lock ?? this.canceller;
    const pid = this.connection.pid;
    if (!via || !pid) return undefined;
    return sampleBlockers(() => via.blockersOf(pid), lockMs);
  }

  protected isStatementError(error: unknown): boolean {
    return error instanceof pg.DatabaseError;
  }

  protected override errorLine(error: unknown, sql: string): number | undefined {
    const position = Number((error as { position?: string })?.position);
    return Number.isInteger(position) && position > 0 ? lineOfOffset(sql, position - 1) : undefined;
  }

  /** `--tx-mode all`: the whole file in one call inside the guard, its error position mapped to a line. */
  protected override async runSqlBody(sql: string, step: MigrationStep, context: StepContext): Promise<void> {
    const guarded = `${this.reset.take(true)}${GUARD.open}; ${sql}\n;\n${GUARD.close}`;
    try {
      await this.connection.exec(guarded);
    } catch (error) {
      if (this.isGuardLost(error)) throw new GuardLost(error, step, context, false);
      const holds = await this.connection.exec(GUARD.undo).then(() => true, (e: unknown) => !this.isGuardLost(e));
      if (!holds) throw new GuardLost(error, step, context, true);
      throw this.isStatementError(error) ? this.bodyError(error, this.errorLine(error, guarded), []) : error;
    }
  }

  protected override scriptTransactionSetup(): string[] {
    this.unflushed = true;
    return ['SET LOCAL synchronous_commit TO off'];
  }

  protected override scriptCommitted(step: MigrationStep): void {
    this.unflushedSteps.push({ module: step.migration.module, id: step.migration.id });
  }

  protected override noteUserCode(): void {
    this.reset.note();
  }

  protected override async cleanSession(): Promise<void> {
    const reset = this.reset.take(true); // alone in its message, it commits by itself (or with an open transaction)
    if (reset) await this.connection.exec(reset).catch((error: unknown) => {
      this.reset.note();
      throw error;
    });
  }

  protected plainKnexConfig(): Knex.Config {
    const keys = postgresLockKeys(this.target.schema);
    return {
      client: 'pg',
      connection: {
        connectionString: this.target.url,
        application_name: APPLICATION_NAMES.migration,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        options: startupOptions(sessionSettings(this.target)),
      },
      pool: {
        min: 0,
        max: 1,
        // Its connection works for this run too, so it joins the work barrier like ours.
        afterCreate(client: pg.Client, done: (error: Error | null, client: pg.Client) => void) {
          void joinBarrier(new PostgresConnection(client), keys).then(() => done(null, client), (error: Error) => done(error, client));
        },
      },
    };
  }

  async fork(): Promise<Session> {
    const client = await connectClient(this.target.url, sessionSettings(this.target), APPLICATION_NAMES.migration).catch((error: unknown) => {
      throw unreachableError(this.target.url, error);
    });
    const forked = new PostgresSession(this.target, new PostgresConnection(client));
    await joinBarrier(forked.connection, postgresLockKeys(this.target.schema));
    forked.canceller = this.lock ?? this.canceller;
    return forked;
  }

  override async flush(): Promise<void> {
    if (!this.unflushed) return;
    // A synchronous commit that holds an xid waits until the WAL is on disk up to that point,
    // which covers every earlier asynchronous commit.
    const reset = this.reset.take();
    await this.connection.exec(`${reset}BEGIN; SELECT txid_current(); COMMIT`).catch((error: unknown) => {
      if (reset) this.reset.note();
      this.unflushed = false; // reported once, with the migrations in doubt
      throw new CommitUnconfirmedError(error, this.unflushedSteps.splice(0), true);
    });
    this.unflushed = false;
    this.unflushedSteps.length = 0;
  }

  /** An asynchronous commit is a commit: visible to every connection at once, nothing left open. */
  override async settle(): Promise<void> {}

  /** Where cancel requests go from: the run lock's connection (a fork borrows its parent's). */
  private canceller: PostgresRunLock | undefined;

  async cancel(): Promise<void> {
    const pid = this.connection.pid;
    if (!pid) return;
    const via = this.lock ?? this.canceller;
    if (via) {
      await via.cancel(pid);
      return;
    }
    const canceller = new pg.Client({ connectionString: this.target.url, application_name: APPLICATION_NAMES.cancel, connectionTimeoutMillis: 5_000 });
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }

  override async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await super.close();
    if (this.lease) {
      // The connection leaves the barrier (DISCARD ALL) while the lock goes, on the other
      // connection, in the same moment: one round trip of the two. A run that takes the lock
      // in between finds the barrier still held and looks again (acquire-lock.ts polls).
      await Promise.all([this.lease.giveBack(this.connection), this.lock?.release()]);
      return;
    }
    await this.lock?.release();
    await this.connection.close();
  }
}
