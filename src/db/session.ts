import type { DatabaseTarget } from '../config/types.js';
import type { LintCatalogReader } from './lint-catalog.js';
import type { MigrationBody } from '../modules/load-body.js';
import type { Migration } from '../modules/types.js';
import type { ModuleHistory } from './history-types.js';

/**
 * One open target, as the rest of modkit sees it: everything engine-specific lives behind this
 * object (kysely's adapter + driver in one). `execute/` asks it to apply a migration and never asks
 * which engine it is talking to; each engine (src/db/<engine>/) implements it.
 */
export interface Session {
  readonly target: DatabaseTarget;
  /** What the executor may ask of this engine. */
  readonly capabilities: SessionCapabilities;
  /** The lock serialising modkit runs on this database (undefined on a read-only session). */
  readonly lock?: RunLock;

  /**
   * Reads the history of every named module in a constant number of round trips. Refuses (exit 4)
   * when history tables of these modules sit in another schema than the configured one.
   */
  readHistories(modules: readonly string[]): Promise<Map<string, ModuleHistory>>;
  /** Creates a module's history table: the Rust runtime's columns and types, then modkit's nullable ones. */
  createHistory(table: string): Promise<void>;
  /**
   * Brings a history table another runtime (or modkit 0.1.0) created to the current shape, in
   * place: missing columns added, a unix-seconds `applied_at` turned into the Rust type with every
   * value kept. Returns what changed, or undefined when the table was current.
   */
  upgradeHistory(history: ModuleHistory): Promise<HistoryUpgrade | undefined>;

  /** Runs one migration step and records it, as this engine does it best. Returns the duration in ms. */
  apply(step: MigrationStep, context: StepContext): Promise<number>;
  /** Runs `work` (history writes of baseline and repair) in one transaction. */
  writeHistory<T>(work: (history: HistoryWriter) => Promise<T>): Promise<T>;
  /**
   * `--tx-mode all`: every `apply` inside `work` joins one transaction, committed when `work`
   * returns and rolled back when it throws. `scripts`: some step is a script migration.
   */
  inOneTransaction<T>(work: () => Promise<T>, options?: { readonly scripts?: boolean }): Promise<T>;

  /** Another connection to the same database for `--concurrency` (only when `capabilities.concurrentMigrations`). */
  fork(): Promise<Session>;
  /** Makes every commit so far durable (commits may be grouped or asynchronous). */
  flush(): Promise<void>;
  /**
   * Commits what this connection still holds open (a group commit's waiting transaction), so that
   * other connections see it and are not blocked by its locks; durability is `flush`'s job.
   */
  settle(): Promise<void>;
  /** Cancels the statement running now, if any (a signal during the db phase). */
  cancel(): Promise<void>;
  /** Flushes, releases the lock if held, and closes every connection. */
  close(): Promise<void>;
  /** The live catalog for the lint of pending migrations, on engines the lint knows (PostgreSQL). */
  readonly lintCatalog?: LintCatalogReader;
}

export interface SessionCapabilities {
  /** Independent modules may migrate at once, each on a connection of its own. */
  readonly concurrentMigrations: boolean;
  /** Why not, when not (for the warning that `--concurrency` is ignored). */
  readonly oneAtATime?: string;
  /** DDL is transactional, so `--tx-mode all` can undo a whole run. */
  readonly transactionalDdl: boolean;
  /**
   * Statements run on the calling thread (better-sqlite3): while one runs, nothing else in the
   * process does, timers included.
   */
  readonly blocksThread?: boolean;
}

/** One migration to run in one direction, with its body already loaded. */
export interface MigrationStep {
  readonly table: string;
  readonly migration: Migration;
  readonly direction: 'up' | 'down';
  readonly body: MigrationBody;
}

export interface StepContext {
  /** Recorded in the history row's `run_id`: every migration one migrate run applies shares it. */
  readonly runId: string;
  /** Aborting abandons a running script migration (its transaction rolls back). */
  readonly signal?: AbortSignal;
  /** How long a statement may wait for a lock in the database, and run; 0 = no limit. */
  readonly timeouts?: { readonly lockMs: number; readonly statementMs: number };
  /**
   * Called when the step hit the lock timeout and what it had done was rolled back (the whole
   * migration, or — outside a transaction — the one statement). Resolves true to try again (after
   * waiting as it sees fit), false to give up: the session then throws the {@link LockTimeoutError}.
   */
  readonly onLockTimeout?: (failure: LockTimeoutError, attempt: number) => Promise<boolean>;
}

export interface HistoryUpgrade {
  readonly table: string;
  /** Columns added (modkit's own, on a table the Rust runtime created). */
  readonly addedColumns: readonly string[];
  /** `applied_at` was modkit 0.1.0's unix seconds and now has the Rust runtime's type. */
  readonly appliedAtConverted: boolean;
}

/** The history writes of baseline and repair, inside {@link Session.writeHistory}. */
export interface HistoryWriter {
  create(table: string): Promise<void>;
  upgrade(history: ModuleHistory): Promise<HistoryUpgrade | undefined>;
  /** Records a migration as applied without running it (baseline). */
  insert(table: string, version: string, checksum: string): Promise<void>;
  /** Re-records a checksum and clears a dirty state. */
  repair(table: string, version: string, checksum: string): Promise<void>;
  /** Clears a dirty state (the user finished the migration by hand). */
  markApplied(table: string, version: string): Promise<void>;
  /** Forgets a row (a dirty migration the user undid, so migrate runs it again). */
  remove(table: string, version: string): Promise<void>;
}

/** A lock that serialises modkit runners on one database for a whole operation. */
export interface RunLock {
  /** Tries once; true when this process now holds the lock and may start. */
  tryAcquire(): Promise<boolean>;
  /** Who holds the lock or keeps it from being taken, when the engine can tell. */
  describeHolder(): Promise<string | undefined>;
  release(): Promise<void>;
}

/** A migration's own body failed (its SQL or its script): the user's migration is at fault. */
export class BodyError extends Error {
  /**
   * Set by an engine that can tell only after the failure what it left behind (MariaDB/MySQL: DDL
   * commits implicitly, so a migration is undone entirely only if it ran no DDL): true when the
   * module is now dirty, false when everything was rolled back. Unset: as the body declared.
   */
  leftDirty?: boolean;
  /** Which statement of the body failed (0-based), when it ran statement by statement. */
  statementIndex?: number;
  /** The failing statement cannot run inside a transaction (the engine's driver tells). */
  needsNoTransaction?: boolean;

  constructor(
    override readonly cause: unknown,
    /** The 1-based line in the body's text, when the engine can tell. */
    readonly line?: number,
  ) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'BodyError';
  }
}

/** A migration as reports name it. */
export interface MigrationRef {
  readonly module: string;
  readonly id: string;
}

/**
 * The body ended or replaced the transaction modkit ran it in (its own COMMIT, ROLLBACK or BEGIN,
 * a script's `db.raw('COMMIT')`), seen by the check after the body that nothing the body does can
 * fool. Some or all of its work may be committed without its history row: the session recorded
 * it as started (`recorded`), so its module is dirty, and read back which earlier migrations of the
 * same open transaction went with it (`lost`: their work and rows are gone, they are pending again).
 */
export class TransactionEndedError extends BodyError {
  constructor(
    /** What revealed it: the guard's failure, or the body's own failure after it ended the transaction. */
    cause: unknown,
    /** True when `cause` is the body's own failure. */
    readonly bodyFailed: boolean,
    readonly lost: readonly MigrationRef[],
    /** False when even the `started` mark could not be written (then `markError` says why). */
    readonly recorded: boolean,
    readonly markError?: unknown,
  ) {
    super(cause);
    this.name = 'TransactionEndedError';
    this.leftDirty = recorded;
  }
}

/**
 * A commit that migrations reported applied depend on did not succeed: PostgreSQL's durable flush
 * of their asynchronous commits (`durability`: they are committed and visible, and lost only if the
 * server crashed before writing them), or the commit of a group they wait in (SQLite's, MariaDB's
 * waiting marks: they may not be committed at all).
 */
export class CommitUnconfirmedError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly migrations: readonly MigrationRef[],
    readonly durability: boolean,
  ) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'CommitUnconfirmedError';
  }
}

/**
 * A statement waited longer than the lock timeout for a lock another session held (PostgreSQL
 * 55P03). `blockers` describes who held it, as seen while the statement waited.
 */
export class LockTimeoutError extends BodyError {
  constructor(
    cause: unknown,
    line: number | undefined,
    readonly blockers: readonly string[],
    readonly lockTimeoutMs: number,
  ) {
    super(cause, line);
    this.name = 'LockTimeoutError';
  }

  /** How many times it was tried (set when the retry policy gives up; 1 when it never retried). */
  attempts = 1;
}

/** What modkit was doing to a history table when it failed. */
export type HistoryAction =
  | 'create'
  | 'upgrade'
  | 'read'
  | 'record'
  | 'mark-started'
  | 'mark-applied'
  | 'delete'
  | 'repair';

/** modkit's own bookkeeping failed (creating, upgrading, reading or writing a history table). */
export class HistoryError extends Error {
  constructor(
    readonly table: string,
    readonly action: HistoryAction,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'HistoryError';
  }
}

/** Runs a history statement, turning its failure into a {@link HistoryError}. */
export async function bookkeeping<T>(table: string, action: HistoryAction, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof HistoryError ? error : new HistoryError(table, action, error);
  }
}

/**
 * Sessions on many targets of one database (the schemas of a schema-per-tenant fleet), opened on a
 * few shared connections instead of new ones per target: `open` lends a session whose `close`
 * gives its connections back. At most as many connections as sessions open at once; `end` closes
 * them all.
 */
export interface SessionPool {
  /** A session on `target`; read-only pools give `undefined` for a database that does not exist yet. */
  open(target: DatabaseTarget): Promise<Session | undefined>;
  end(): Promise<void>;
  /** On read-only pools of engines that can: the histories of many targets at once. */
  readonly manyHistories?: ManyHistoriesReader;
}

/**
 * Reads the histories of many targets of one database in a few statements (PostgreSQL: the schemas
 * of a schema-per-tenant fleet), on a connection of the pool.
 */
export interface ManyHistoriesReader {
  /** At most this many tables per {@link read} (the server's limits). */
  readonly tablesPerRead: number;
  /**
   * Each target's histories, as {@link Session.readHistories} would read them; targets it cannot
   * answer exactly are left out (read them on their own session). Never throws for a target's sake.
   */
  read(
    targets: readonly DatabaseTarget[],
    tables: ReadonlyMap<string, string>,
  ): Promise<Map<DatabaseTarget, Map<string, ModuleHistory>>>;
}
