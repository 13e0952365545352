import { UsageError } from '../errors.js';
import { connectionSettings, databaseKey } from './database-key.js';
import { describeTarget } from './database-url.js';
import { databaseOf, type DatabasePlacement } from './module-databases.js';
import type { DatabaseTarget } from './types.js';

/** The modules whose histories live in one database. */
export interface DatabaseGroup {
  /** The database's canonical key ({@link databaseKey}): groups sort by it, and locks are taken in that order. */
  readonly key: string;
  /** How modkit connects: the default database's target when it is this database, else the first module's. */
  readonly target: DatabaseTarget;
  /** True when this is the default database (`database.url`, `MODKIT_DATABASE_URL`, `--database-url`). */
  readonly isDefault: boolean;
  /** Its modules, in the order given (system-first). */
  readonly modules: readonly string[];
}

/**
 * Groups `modules` (in system-first order) by the database that holds their histories, one group
 * per database however its URL is spelled, sorted by canonical key: the one fixed order in which
 * every runner takes the locks. Only databases that hold one of `modules` appear. Two spellings of
 * one database that differ in user, parameters or schema are refused (exit 2): they cannot share
 * the one session and lock a database gets, and picking one would run some module's migrations
 * as another role.
 */
export function groupByDatabase(placement: DatabasePlacement, modules: readonly string[]): DatabaseGroup[] {
  const defaultKey = databaseKey(placement.database);
  const groups = new Map<string, { target: DatabaseTarget; owner: string; modules: string[] }>();
  const conflicts: string[] = [];
  for (const module of modules) {
    const target = databaseOf(placement, module);
    const key = target === placement.database ? defaultKey : databaseKey(target);
    let group = groups.get(key);
    if (!group) {
      const isDefault = key === defaultKey;
      group = { target: isDefault ? placement.database : target, owner: isDefault ? 'the default database' : `module "${module}"`, modules: [] };
      groups.set(key, group);
    }
    if (target !== group.target && connectionSettings(target) !== connectionSettings(group.target)) {
      conflicts.push(
        `module "${module}" and ${group.owner} name the same database (${describeTarget(group.target)}) with different users, parameters or schemas`,
      );
    }
    group.modules.push(module);
  }
  if (conflicts.length > 0) {
    throw new UsageError(
      conflicts.map(
        (c) => `${c}: modkit migrates each database on one connection under one lock, so URLs of one database must agree on everything but spelling; give them the same URL, or separate databases`,
      ),
      { details: { conflicts } },
    );
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, g]) => ({ key, target: g.target, isDefault: key === defaultKey, modules: g.modules }));
}

/** The group holding each module, by module name. */
export function groupsByModule(groups: readonly DatabaseGroup[]): Map<string, DatabaseGroup> {
  return new Map(groups.flatMap((g) => g.modules.map((m) => [m, g] as const)));
}
