import type { DatabaseTarget, ResolvedConfig } from './types.js';

/** Where modules' histories live: the default database, and the modules that have their own. */
export type DatabasePlacement = Pick<ResolvedConfig, 'database' | 'moduleDatabases'>;

/**
 * The database that holds `module`'s migrations and history table: its own
 * (`modulesConfig.<name>.database`) or the default one. The one rule for every command.
 */
export function databaseOf(placement: DatabasePlacement, module: string): DatabaseTarget {
  return Object.hasOwn(placement.moduleDatabases, module)
    ? placement.moduleDatabases[module]!.target
    : placement.database;
}

/** True when some module has a database of its own. */
export function hasModuleDatabases(placement: DatabasePlacement): boolean {
  return Object.keys(placement.moduleDatabases).length > 0;
}
