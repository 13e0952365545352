import type { DatabasePlacement } from '../config/module-databases.js';
import type { LockedSessionOptions } from '../execute/locked-session.js';
import type { RunOptions } from '../lifecycle/types.js';
import type { LoadProjectOptions } from '../project/load-project.js';

/** Options shared by the library calls (the CLI's common flags map onto these one to one). */
export interface ProjectOptions extends LoadProjectOptions {
  /** `--module M`: restrict to these modules and what they depend on. */
  readonly modules?: readonly string[];
}

/** `migrate`: where (the project and its config overrides) and how (the run options). */
export interface MigrateOptions extends ProjectOptions, RunOptions {}

/**
 * Where a writing operation runs when it is not the project's own databases (a fleet target), and
 * how it opens them (a fleet lends pooled connections).
 */
export interface OperationPlacement {
  readonly placement: DatabasePlacement;
  readonly open?: LockedSessionOptions['open'];
}
