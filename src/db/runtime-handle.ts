import type { Knex } from 'knex';
import { dynamicImport } from '../util/dynamic-import.js';
import type { DatabaseTarget } from '../config/types.js';
import { unreachableError } from './connection-errors.js';
import { loadEngine } from './load-engine.js';
import { QUIET } from './script-knex.js';

/** A pool that modules use at run time (`ctx.db`), and how to close it. */
export interface RuntimeHandle {
  readonly target: DatabaseTarget;
  readonly db: Knex;
  destroy(): Promise<void>;
}

/**
 * Opens a knex pool on `target` for module code, with the settings its engine gives runtime pools.
 * It is never the privileged migration connection: a new pool with its own connections (PostgreSQL:
 * `application_name` = `modkit-runtime`), opened with whatever role the URL names. One round trip
 * checks that the database answers, so a wrong `runtime.url` fails before any `init` runs (exit 5)
 * instead of inside a module later.
 */
export async function openRuntimeHandle(target: DatabaseTarget): Promise<RuntimeHandle> {
  const engine = await loadEngine(target.engine);
  const { default: knex } = await dynamicImport<typeof import('knex')>('knex');
  const db = knex({ ...engine.runtimeKnexConfig(target), log: QUIET });
  try {
    await db.raw('select 1');
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw unreachableError(target.url, error);
  }
  return { target, db, destroy: () => db.destroy() };
}
