import { EMBEDDED, engineName } from '../engines/engine-table.js';
import { UsageError } from '../errors.js';
import { connectionSettings, databaseKey, databaseNameOf } from './database-key.js';
import { describeTarget } from './database-url.js';
import { databaseOf, hasModuleDatabases, type DatabasePlacement } from './module-databases.js';
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
 * as another role. `sameAs` maps keys of databases known to be another's (by what the server said:
 * {@link groupBySameDatabase}) to that one's key.
 */
export function groupByDatabase(
  placement: DatabasePlacement,
  modules: readonly string[],
  sameAs: ReadonlyMap<string, string> = new Map(),
): DatabaseGroup[] {
  const keyOf = (target: DatabaseTarget) => {
    const key = databaseKey(target);
    return sameAs.get(key) ?? key;
  };
  const defaultKey = keyOf(placement.database);
  const groups = new Map<string, { target: DatabaseTarget; owner: string; modules: string[] }>();
  const conflicts: string[] = [];
  for (const module of modules) {
    const target = databaseOf(placement, module);
    const key = target === placement.database ? defaultKey : keyOf(target);
    let group = groups.get(key);
    if (!group) {
      const isDefault = key === defaultKey;
      group = {
        target: isDefault ? placement.database : target,
        owner: isDefault ? 'the default database' : `module "${module}"`,
        modules: [],
      };
      groups.set(key, group);
    }
    if (target !== group.target && connectionSettings(target) !== connectionSettings(group.target)) {
      conflicts.push(
        `module "${module}" and ${group.owner} name the same database (${describeTarget(group.target)}) with different users, parameters or schemas`,
      );
    }
    group.modules.push(module);
  }
  refuseEmbeddedBesideOthers(placement, groups.get(defaultKey)?.modules ?? []);
  if (conflicts.length > 0) {
    throw new UsageError(
      conflicts.map(
        (c) =>
          `${c}: modkit migrates each database on one connection under one lock, so URLs of one database must agree on everything but spelling; give them the same URL, or separate databases`,
      ),
      { details: { conflicts } },
    );
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, g]) => ({ key, target: g.target, isDefault: key === defaultKey, modules: g.modules }));
}

/** What a database's server says it is (its own id, and the database's), or undefined when it cannot tell. */
export type IdentifyDatabase = (target: DatabaseTarget) => Promise<string | undefined>;

/**
 * {@link groupByDatabase}, with databases spelled two ways recognised as one by what their server
 * says it is (`postgres://…@127.0.0.1/app` and `postgres://…@127.1/app`; a DNS alias): modkit then
 * takes that database's lock once, instead of waiting for its own lock until the timeout. Only
 * databases of one engine with one name are asked, each on a connection of its own, so a run over
 * distinct databases asks nothing.
 */
export async function groupBySameDatabase(
  placement: DatabasePlacement,
  modules: readonly string[],
  identify: IdentifyDatabase,
): Promise<DatabaseGroup[]> {
  const groups = groupByDatabase(placement, modules);
  const name = (g: DatabaseGroup) => databaseNameOf(g.target);
  const lookalike = (a: DatabaseGroup, b: DatabaseGroup) =>
    a !== b && a.target.engine === b.target.engine && name(a) !== undefined && name(a) === name(b);
  const candidates = groups.filter((g) => groups.some((other) => lookalike(g, other)));
  if (candidates.length === 0) return groups;
  const identities = await Promise.all(candidates.map((g) => identify(g.target)));
  const firstKeyOf = new Map<string, string>();
  const sameAs = new Map<string, string>();
  for (const [i, group] of candidates.entries()) {
    const identity = identities[i];
    if (identity === undefined) continue;
    const id = `${group.target.engine}\u0000${identity}`;
    const first = firstKeyOf.get(id);
    // Groups come sorted by key: every runner with this config names the merged one alike.
    if (first === undefined) firstKeyOf.set(id, group.key);
    else sameAs.set(group.key, first);
  }
  return sameAs.size === 0 ? groups : groupByDatabase(placement, modules, sameAs);
}

/** The group holding each module, by module name. */
export function groupsByModule(groups: readonly DatabaseGroup[]): Map<string, DatabaseGroup> {
  return new Map(groups.flatMap((g) => g.modules.map((m) => [m, g] as const)));
}

/**
 * The embedded SQLite file is the default database only when no database of any kind is
 * configured: modules that would land in it while others have databases of their own are refused
 * (exit 2), never migrated into a throwaway file beside the config.
 */
function refuseEmbeddedBesideOthers(placement: DatabasePlacement, inDefault: readonly string[]): void {
  if (placement.database.source !== 'default' || inDefault.length === 0 || !hasModuleDatabases(placement)) return;
  const own = Object.keys(placement.moduleDatabases);
  const quoted = (names: readonly string[]) => names.map((m) => `"${m}"`).join(', ');
  const who = inDefault.length === 1 ? `module "${inDefault[0]}" has` : `modules ${quoted(inDefault)} have`;
  throw new UsageError(
    `${who} no database: the config gives ${quoted(own)} a database of ${own.length === 1 ? 'its' : 'their'} own, ` +
      'but names no default database for the other modules. Set database.url in the config, MODKIT_DATABASE_URL ' +
      `in the environment or .env, or pass --url; modkit uses its embedded ${engineName(EMBEDDED.engine)} file only ` +
      'when no database of any kind is configured',
    { details: { modules: [...inDefault] } },
  );
}
