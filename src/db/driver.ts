import type { Knex } from '../modules/knex-types.js';
import type { BlockerWatch } from './blocker-watch.js';
import type { BodyGuard } from './body-guard.js';
import type { HistoryDialect, SqlRunner } from './history-store.js';
import type { MigrationStep, StepContext } from './session.js';
import type { SqlStatement } from './split-sql.js';

/** The lock and statement timeouts of one step, in ms (0 = none). */
export type StepTimeouts = NonNullable<StepContext['timeouts']>;

/**
 * What one engine's working connection can do and what its errors mean — facts, no policy. How a
 * migration is applied (which transaction, when history rows are written, when commits happen, when
 * to retry) is the strategies' (src/db/apply/), which every engine composes from the same pieces.
 */
export interface EngineDriver {
  /** The working connection. */
  readonly runner: SqlRunner;
  /** The engine's history-table SQL. */
  readonly dialect: HistoryDialect;
  /** How a plain transaction opens, commits and rolls back on the working connection. */
  readonly transactionSql: { readonly begin: string; readonly commit: string; readonly rollback: string };
  /**
   * The savepoint that tells, after a body, whether the body ended modkit's transaction
   * (body-guard.ts); undefined on engines whose DDL commits implicitly (they check their marks).
   */
  readonly guard?: BodyGuard;
  /** How knex drives this engine for script migrations. */
  readonly knex: {
    /** The knex client name (`pg`, `better-sqlite3`, `mysql2`). */
    readonly client: string;
    /** The driver's own connection object under the working connection, handed to knex. */
    readonly connection: unknown;
    /** Settings for the one-connection knex pool a no-transaction script gets. */
    plainConfig(): Knex.Config;
  };
  /** Puts the session back as a fresh connection has it after user code (SPEC §5). */
  readonly hygiene: SessionHygiene;

  /**
   * True for an error the database returned for a statement (its SQL failed), false for a lost
   * connection or a driver failure, which must not be blamed on the migration.
   */
  isStatementError(error: unknown): boolean;
  /** True when the statement gave up waiting for a lock (the lock timeout). */
  isLockTimeout(error: unknown): boolean;
  /** True when the statement cannot run inside a transaction (the file needs `-- modkit:no-transaction`). */
  needsNoTransaction(error: unknown): boolean;
  /** True when `error` says the guard's savepoint, or the transaction it was in, is gone. */
  isGuardLost(error: unknown): boolean;
  /**
   * The 1-based line of a statement error inside `statement.text`, when the engine reports one. An
   * engine whose message names that line itself rewords it to name the file's line too.
   */
  errorLine(error: unknown, statement: Pick<SqlStatement, 'text' | 'line'>): number | undefined;
  /** The lock timeout the server really applies for a configured `ms` (its resolution may be coarser). */
  lockTimeoutMsOf(ms: number): number;
  /**
   * Statements that set the step's timeouts: for its own transaction (`local`) or for the session
   * until {@link resetTimeouts} (`session`, the no-transaction path). None on engines without them.
   */
  timeoutStatements(timeouts: StepTimeouts, scope: 'local' | 'session'): Promise<readonly string[]>;
  /** Undoes the session-level timeouts of the no-transaction path. */
  resetTimeouts(): Promise<void>;
  /** How this engine's SQL files split into statements (MySQL: its client's `DELIMITER` rules). */
  splitStatements(sql: string): readonly SqlStatement[];
  /** Starts watching who blocks the working connection (for the report of a lock timeout of `lockMs`). */
  watchBlockers(lockMs: number): BlockerWatch | undefined;
  /** Cancels the statement running now on the working connection, if any. */
  cancel(): Promise<void>;
}

/**
 * Every migration starts from the session a fresh client would have (SPEC §5), and modkit's own
 * statements never run with what a migration set. Each engine knows how it can tell and undo it.
 */
export interface SessionHygiene {
  /** Runs a body's statements, noting whether they changed the session (engines whose server says so). */
  watch(work: () => Promise<void>): Promise<void>;
  /** A migration's body ran (engines that cannot see what it changed assume it did). */
  ran(step: MigrationStep): void;
  /**
   * The reset as the prefix of modkit's next message, where the engine can send it so ('' when
   * none is due). `inTransaction`: it joins the transaction that message opens.
   */
  prefix(inTransaction: boolean): string;
  /** Resets the session now if it is due; `commitWaiting` first commits what waits (a reset rolls back). */
  clean(commitWaiting: () => Promise<void>): Promise<void>;
}

/** An engine whose sessions user code cannot change for modkit (SQLite: no session state that matters). */
export const NO_HYGIENE: SessionHygiene = {
  watch: (work) => work(),
  ran: () => undefined,
  prefix: () => '',
  clean: async () => undefined,
};
