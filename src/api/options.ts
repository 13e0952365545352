import type { LoadProjectOptions } from '../project/load-project.js';
import type { AllowOptions } from '../plan/types.js';
import type { EventSink, TxMode } from '../execute/types.js';

/** Options shared by the library calls (the CLI's common flags map onto these one to one). */
export interface ProjectOptions extends LoadProjectOptions {
  /** `--module M`: restrict to these modules and what they depend on. */
  readonly modules?: readonly string[];
}

export interface MigrateOptions extends ProjectOptions {
  readonly allow?: AllowOptions;
  readonly txMode?: TxMode;
  /** Independent modules migrate at once on separate connections (PostgreSQL); default 1. */
  readonly concurrency?: number;
  /** Aborting cancels the running migration, rolls it back and releases the lock. */
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}
