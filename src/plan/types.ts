import type { LoadedModule, Migration } from '../modules/types.js';

/** One row of a module's history table. */
export interface AppliedRecord {
  readonly version: string;
  readonly appliedAt: Date | null;
  /** Null for rows written by the Rust runtime, until `modkit repair` fills it. */
  readonly checksum: string | null;
  readonly durationMs: number | null;
  /** `started`: a no-transaction migration began and never finished (the module is dirty). */
  readonly state: 'applied' | 'started';
  /** The migrate run that applied it (null for rows other runtimes or baseline wrote). */
  readonly runId: string | null;
}

/** What the database says about one module. */
export interface ModuleHistory {
  readonly module: string;
  readonly table: string;
  readonly exists: boolean;
  /** modkit columns the table lacks (a table created by the Rust runtime, or by an older modkit). */
  readonly missingColumns: readonly string[];
  /** `applied_at` holds unix seconds in an integer column (modkit 0.1.0): upgraded to the Rust type. */
  readonly legacyAppliedAt: boolean;
  /** Sorted by version, byte order. */
  readonly records: readonly AppliedRecord[];
}

export type ProblemKind = 'drift' | 'missing' | 'dirty' | 'out-of-order';

/** Something wrong between the files and the history, found before anything runs. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly module: string;
  readonly id: string;
  readonly file?: string;
  readonly message: string;
}

export interface ModulePlan {
  readonly module: LoadedModule;
  readonly history: ModuleHistory;
  /** Migrations recorded as applied that still have a file (or inline definition). */
  readonly applied: readonly AppliedRecord[];
  /** Migrations to run, in id order. */
  readonly pending: readonly Migration[];
  /** Not yet applied, but after the module's `--to`: this run leaves them pending. */
  readonly heldBack?: readonly Migration[];
  readonly lastApplied?: AppliedRecord;
  readonly problems: readonly Problem[];
}

/** Which problem kinds the user chose to accept (`--allow-*`). Dirty can only be repaired. */
export interface AllowOptions {
  readonly drift?: boolean;
  readonly missing?: boolean;
  readonly outOfOrder?: boolean;
}

export interface MigrationPlan {
  /** In system-first order. */
  readonly modules: readonly ModulePlan[];
  /** Every problem, in module order. */
  readonly problems: readonly Problem[];
  /** The problems that are not allowed: `migrate` refuses while there are any. */
  readonly blocking: readonly Problem[];
  readonly pendingCount: number;
}
