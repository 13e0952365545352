/**
 * What a history table says, as modkit reads it (src/db/history-store.ts and each engine's history):
 * the input of every plan (src/plan), kept here below it so that db never imports plan.
 */

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
