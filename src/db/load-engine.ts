import type { DatabaseTarget } from '../config/types.js';
import { traitsOf, type Engine } from '../engines/engine-table.js';
import { UsageError } from '../errors.js';
import type { Knex } from '../modules/knex-types.js';
import type { Session, SessionPool } from './session.js';

/** What each engine folder (src/db/<engine>/index.ts) provides, for targets of its shape. */
export interface EngineModule<T extends DatabaseTarget = DatabaseTarget> {
  /**
   * Opens a session on `target`. `readOnly` sessions refuse writes and take no lock (plan, status,
   * validate); a read-only look at a database that does not exist yet gives `undefined`.
   */
  open(target: T, options?: { readonly readOnly?: boolean }): Promise<Session | undefined>;
  /** knex settings of the pool modules get at run time (`ctx.db`). */
  runtimeKnexConfig(target: T): Knex.Config;
  /**
   * Sessions sharing connections among targets that differ only in their schema (a fleet). Engines
   * without it open a session per target ({@link openSessionPool}).
   */
  pool?(options: { readonly readOnly?: boolean }): SessionPool;
  /**
   * What the server says `target` is (its own id, and the database's), so that one database spelled
   * two ways is locked once. Engines without it (SQLite: a file is its path) are known by their URL.
   */
  identify?(target: T): Promise<string>;
  /** Whether a run holds the migration lock of `target` now; looks without waiting, takes nothing it keeps. */
  runLockHeld(target: T): Promise<boolean>;
}

/** How to load each engine's folder (its driver package and the rest of its traits: src/engines/engine-table.ts). */
/** The target shape of `engine`'s databases (config/types.ts). */
type TargetOf<E extends Engine> = Extract<DatabaseTarget, { readonly engine: E }>;

const LOADERS: { readonly [E in Engine]: () => Promise<EngineModule<TargetOf<E>>> } = {
  postgres: async () => (await import('./postgres/index.js')).postgresEngine,
  sqlite: async () => (await import('./sqlite/index.js')).sqliteEngine,
  mysql: async () => (await import('./mysql/index.js')).mysqlEngine,
};

/**
 * The engine of a target, imported lazily so that commands which need no database (`--help`,
 * `graph`, `new`, `validate --offline`) never load a driver. Drivers are optional dependencies: one
 * that is not installed is a usage error that says how to install it.
 */
export async function loadEngine(engine: Engine): Promise<EngineModule> {
  const { driver, name } = traitsOf(engine);
  try {
    return await LOADERS[engine]();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code !== 'MODULE_NOT_FOUND' || !message.includes(`'${driver}'`)) throw error;
    throw new UsageError(
      `the ${name} driver "${driver}" is not installed: run \`npm install ${driver}\` in your project`,
      { cause: error },
    );
  }
}

/** Opens a session on `target` (read-write, with its lock), through its engine. */
export async function openSession(target: DatabaseTarget): Promise<Session> {
  return (await (await loadEngine(target.engine)).open(target))!;
}

/** Opens a read-only session; undefined when the database does not exist yet (it reads as empty). */
export async function openReadOnlySession(target: DatabaseTarget): Promise<Session | undefined> {
  return (await loadEngine(target.engine)).open(target, { readOnly: true });
}

/**
 * A pool of sessions for targets of one database that differ only in their schema (one per
 * database of a fleet): the engine's own when it shares connections, else one session per target.
 */
export async function openSessionPool(
  engine: Engine,
  options: { readonly readOnly?: boolean } = {},
): Promise<SessionPool> {
  const module = await loadEngine(engine);
  if (module.pool) return module.pool(options);
  return {
    open: async (target) => module.open(target, options),
    end: async () => undefined,
  };
}

/** What `target`'s server says it is; undefined for an engine that cannot tell ({@link EngineModule.identify}). */
export async function identifyDatabase(target: DatabaseTarget): Promise<string | undefined> {
  return (await loadEngine(target.engine)).identify?.(target);
}

/** Whether a modkit run is migrating `target` now (its lock is held), through its engine. */
export async function isRunLockHeld(target: DatabaseTarget): Promise<boolean> {
  return (await loadEngine(target.engine)).runLockHeld(target);
}
