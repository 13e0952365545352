import type { ModkitError } from '../errors.js';

export type TxMode = 'per-migration' | 'all';

/** What happened to one migration (kysely-style typed results, never tuples). */
export interface MigrationResult {
  readonly module: string;
  readonly id: string;
  readonly direction: 'up' | 'down';
  readonly file?: string;
  /**
   * `rolled-back`: it ran, but a later failure undid it (`--tx-mode all`, a group a later body ended).
   * `unconfirmed`: it ran and was committed as far as modkit saw, but the commit that makes it durable
   * (PostgreSQL's flush of asynchronous commits) or committed at all (a group commit) failed.
   */
  readonly status: 'applied' | 'reverted' | 'failed' | 'rolled-back' | 'unconfirmed';
  readonly durationMs: number;
}

/** The outcome of running migrations: what completed, and the error that stopped the run, if any. */
export interface ApplyResult {
  readonly results: readonly MigrationResult[];
  readonly error?: ModkitError;
  readonly durationMs: number;
}

/** Progress events, for reporters (a TTY progress line, logs). */
export type ExecuteEvent =
  /** `database`: which one, when the operation locks several databases. */
  | { readonly type: 'lock-wait'; readonly holder?: string; readonly database?: string }
  | { readonly type: 'lock-acquired'; readonly waitedMs: number; readonly database?: string }
  | { readonly type: 'module-start'; readonly module: string; readonly pending: number }
  | {
      readonly type: 'migration-start';
      readonly module: string;
      readonly id: string;
      /** `script`: the user's JavaScript runs now, and may print. */
      readonly format?: 'sql' | 'script';
      /** It runs on this thread until it ends (SQLite): nothing else can happen meanwhile, timers included. */
      readonly blocksThread?: boolean;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: 'migration-done';
      readonly result: MigrationResult;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: 'history-upgraded';
      readonly module: string;
      readonly table: string;
      readonly addedColumns: readonly string[];
      readonly appliedAtConverted: boolean;
    }
  /** A migration hit the database lock timeout, was rolled back, and runs again after `delayMs`. */
  | {
      readonly type: 'lock-retry';
      readonly module: string;
      readonly id: string;
      /** The try that failed (1-based), out of `tries`. */
      readonly attempt: number;
      readonly tries: number;
      readonly delayMs: number;
      readonly lockTimeoutMs: number;
      /** Who held the lock, as seen while it waited. */
      readonly blockers: readonly string[];
    }
  /** What the lint of the pending migrations found (not the ignored findings); `refused`: the run stops with exit 4. */
  | { readonly type: 'lint'; readonly findings: readonly LintEventFinding[]; readonly refused: boolean }
  | { readonly type: 'warning'; readonly message: string };

/** One lint finding of a pending migration (docs/lint.md). */
export interface LintEventFinding {
  readonly module: string;
  readonly id: string;
  readonly file?: string;
  readonly line: number;
  readonly rule: string;
  /** `info` findings are counted, not printed, by migrate (`modkit lint` shows them). */
  readonly severity: 'error' | 'warn' | 'info';
  readonly message: string;
}

export type EventSink = (event: ExecuteEvent) => void;
