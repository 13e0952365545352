import pg from 'pg';
import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { deleteRecordLiteral, insertRecordLiteral, STATE_APPLIED, type HistoryDialect } from '../history-store.js';
import type { Knex } from '../knex-types.js';
import { SessionBase, type StepTimeouts } from '../session-base.js';
import { sampleBlockers, type BlockerWatch } from '../blocker-watch.js';
import { GuardLost, SAVEPOINT_GUARD } from '../body-guard.js';
import { bookkeeping, HistoryError, type MigrationStep, type Session, type StepContext } from '../session.js';
import { lineOfOffset } from '../split-sql.js';
import { transactionSettingsEnd } from './guard-position.js';
import { stopwatch } from '../../util/stopwatch.js';
import { APPLICATION_NAMES, CONNECT_TIMEOUT_MS, connectClient, PostgresConnection, startupOptions } from './postgres-connection.js';
import { DEFAULT_HISTORY_SCHEMA, postgresHistory } from './postgres-history.js';
import { postgresLockKeys } from '../lock-key.js';
import { joinBarrier, PostgresRunLock } from './postgres-lock.js';
import type { LintCatalogReader } from '../lint-catalog.js';
import { readPostgresLintCatalog } from './postgres-lint-catalog.js';

/** Each migration's transaction commits asynchronously: `flush` makes them durable in one go. */
const BEGIN = 'BEGIN; SET LOCAL synchronous_commit TO off';
/**
 * The guard's savepoint (body-guard.ts); modkit's history write after the body runs as the user it
 * connected as, whatever role the body set.
 */
const GUARD = { ...SAVEPOINT_GUARD, close: `${SAVEPOINT_GUARD.close}; SET LOCAL SESSION AUTHORIZATION DEFAULT` };
/** statement_timestamp() is when the script arrived; clock_timestamp() is now. */
const ELAPSED_MS_SQL = 'floor(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::int';

export interface OpenOptions {
  /** plan/status/validate: the server itself refuses any write, and no lock is taken. */
  readonly readOnly?: boolean;
}

/**
 * Opens a PostgreSQL session on `target`: the working connection and, unless read-only, the run
 * lock's own connection, opened side by side.
 */
export async function openPostgres(target: DatabaseTarget, options: OpenOptions = {}): Promise<Session> {
  const settings = sessionSettings(target, options);
  let lock: PostgresRunLock | undefined;
  let session: PostgresSession | undefined;
  if (!options.readOnly) lock = new PostgresRunLock(target, () => joinBarrier(session!.connection, postgresLockKeys(target.schema)));
  try {
    const client = await connectClient(target.url, settings, APPLICATION_NAMES.migration);
    session = new PostgresSession(target, new PostgresConnection(client), lock);
    return session;
  } catch (error) {
    await lock?.release();
    throw unreachableError(target.url, error);
  }
}

/** Settings sent in the startup packet of a migration connection (no extra round trip). */
export function sessionSettings(target: DatabaseTarget, options: OpenOptions = {}): string[] {
  const settings = options.readOnly ? ['default_transaction_read_only=on'] : [];
  // In the startup packet's options, spaces and backslashes are escaped with a backslash.
  if (target.searchPath) settings.push(`search_path=${target.searchPath.replace(/[\\ ]/g, (c) => `\\${c}`)}`);
  return settings;
}

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

  constructor(
    target: DatabaseTarget,
    readonly connection: PostgresConnection,
    readonly lock?: PostgresRunLock,
    /** A pool's connection, lent for one target: close() gives it back instead of closing it. */
    private readonly lease?: { giveBack(connection: PostgresConnection): Promise<void> },
  ) {
    super(target);
    this.dialect = postgresHistory(target.schema ?? DEFAULT_HISTORY_SCHEMA);
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
        await this.connection.exec(`${this.takeReset()}${BEGIN}; ${this.dialect.createTableSql(table)}; COMMIT`);
      } catch (error) {
        await this.connection.exec('ROLLBACK').catch(() => undefined);
        this.noteUserCode(); // a reset sent with it rolled back too
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
    // Nothing before the body on its first line adds a newline, so an error position maps to the
    // file's own line; the newline before `;` ends a trailing `--` comment of the body. The body
    // runs inside the guard's savepoint (body-guard.ts): opened after any leading SET TRANSACTION,
    // which must come before a snapshot and outside a savepoint.
    const timeouts = context.timeouts ? this.timeoutStatements(context.timeouts, 'local') : [];
    const prefix = `${this.takeReset()}${[BEGIN, ...timeouts].join('; ')}; `;
    const at = transactionSettingsEnd(body.sql);
    const guarded = `${body.sql.slice(0, at)}${GUARD.open}; ${body.sql.slice(at)}`;
    const script = `${prefix}${guarded}\n;\n${GUARD.close}; ${record};\nCOMMIT`;
    const watch = context.timeouts?.lockMs ? this.watchBlockers(context.timeouts.lockMs) : undefined;
    try {
      await this.connection.exec(script);
      this.unflushed = true;
      return elapsed();
    } catch (error) {
      if (this.isGuardLost(error)) throw await this.transactionEnded(new GuardLost(error, step, context, false));
      const failure = this.classify(error, script, prefix.length + guarded.length, table, watch?.stop() ?? [], context);
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
      await this.connection.exec(`${SAVEPOINT_GUARD.undo}; ROLLBACK`);
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
    const guarded = `${this.takeReset(true)}${GUARD.open}; ${sql}\n;\n${GUARD.close}`;
    try {
      await this.connection.exec(guarded);
    } catch (error) {
      if (this.isGuardLost(error)) throw new GuardLost(error, step, context, false);
      const holds = await this.connection.exec(SAVEPOINT_GUARD.undo).then(() => true, (e: unknown) => !this.isGuardLost(e));
      if (!holds) throw new GuardLost(error, step, context, true);
      throw this.isStatementError(error) ? this.bodyError(error, this.errorLine(error, guarded), []) : error;
    }
  }

  protected override scriptTransactionSetup(): string[] {
    this.unflushed = true;
    return ['SET LOCAL synchronous_commit TO off'];
  }

  /** User code ran: the session may carry its settings. */
  private resetPending = false;

  /**
   * The statements that give the session back the state a new connection of this target has:
   * `RESET ALL` alone would keep a `SET ROLE` (and a session authorization), which it leaves
   * alone; `DISCARD ALL` would drop modkit's own advisory locks (the work barrier) and cannot run
   * inside a transaction. A fleet's schema target sets its own search_path, which `RESET ALL`
   * would replace with the server's default. Temporary tables and prepared statements go too, as
   * with a new connection. A few microseconds of the server's time, in the next round trip.
   */
  private sessionReset(): string {
    const path = this.target.searchPath ? `; SET search_path TO ${this.target.searchPath}` : '';
    return `SET SESSION AUTHORIZATION DEFAULT; RESET ALL${path}; DISCARD TEMP; DEALLOCATE ALL`;
  }

  /**
   * The reset as the prefix of modkit's next round trip, if user code ran since the last one; a
   * transaction of its own (`COMMIT`), so that a `SET TRANSACTION` at the start of the next body
   * still comes before the transaction's first query. `inTransaction`: inside one, with it.
   */
  private takeReset(inTransaction = false): string {
    if (!this.resetPending) return '';
    this.resetPending = false;
    return `${this.sessionReset()}; ${inTransaction ? '' : 'COMMIT; '}`;
  }

  protected override noteUserCode(): void {
    this.resetPending = true;
  }

  protected override async cleanSession(): Promise<void> {
    const reset = this.takeReset(true); // alone in its message, it commits by itself (or with an open transaction)
    if (reset) await this.connection.exec(reset).catch((error: unknown) => {
      this.resetPending = true;
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
    const reset = this.takeReset();
    await this.connection.exec(`${reset}BEGIN; SELECT txid_current(); COMMIT`).catch((error: unknown) => {
      if (reset) this.noteUserCode();
      throw error;
    });
    this.unflushed = false;
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
