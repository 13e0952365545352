import type { AppliedRecord, ModuleHistory } from '../db/history-types.js';
import type { LoadedModule, Migration } from '../modules/types.js';

/** The history types live with the code that reads them (src/db, below plan); plans name them too. */
export type { AppliedRecord, ModuleHistory };

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
