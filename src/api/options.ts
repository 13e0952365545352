import type { RunOptions } from '../lifecycle/types.js';
import type { LoadProjectOptions } from '../project/load-project.js';

/** Options shared by the library calls (the CLI's common flags map onto these one to one). */
export interface ProjectOptions extends LoadProjectOptions {
  /** `--module M`: restrict to these modules and what they depend on. */
  readonly modules?: readonly string[];
}

/** `migrate`: where (the project and its config overrides) and how (the run options). */
export interface MigrateOptions extends ProjectOptions, RunOptions {}
