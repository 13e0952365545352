import type { Knex } from 'knex';
import { dynamicImport } from '../util/dynamic-import.js';
import type { DatabaseTarget } from '../config/types.js';
import { unreachableError } from './connection-errors.js';

/** The `application_name` of runtime pools, so they are told apart from modkit's own `modkit` connection. */
export const RUNTIME_APPLICATION_NAME = 'modkit-runtime';

/** A pool that modules use at run time (`ctx.db`), and how to close it. */
export interface RuntimeHandle {
  readonly target: DatabaseTarget;
  readonly db: Knex;
  destroy(): Promise<void>;
}

/**
 * Opens a knex pool on `target` for module code. It is never the privileged migration connection:
 * a new pool with its own connections (PostgreSQL: `application_name` = `modkit-runtime`), opened
 * with whatever role the URL names. One round trip checks that the database answers, so a wrong
 * `runtime.url` fails before any `init` runs (exit 5) instead of inside a module later.
 * knex is imported here, lazily, because `src/db` is the only folder that may load drivers.
 */
export async function openRuntimeHandle(target: DatabaseTarget): Promise<RuntimeHandle> {
  const { default: knex } = await dynamicImport<typeof import('knex')>('knex');
  const config = target.engine === 'postgres' ? postgresConfig(target) : sqliteConfig(target);
  // knex would print connection failures to the console itself; they reach the caller as errors instead.
  const db = knex({ ...config, log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore } });
  try {
    await db.raw('select 1');
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw unreachableError(target.url, error);
  }
  return { target, db, destroy: () => db.destroy() };
}

function ignore(): void {}

function postgresConfig(target: DatabaseTarget): Knex.Config {
  return {
    client: 'pg',
    connection: { connectionString: target.url, application_name: RUNTIME_APPLICATION_NAME, connectionTimeoutMillis: 10_000 },
    // min 0: no idle connection is held open for a module that never queries.
    pool: { min: 0, max: 10 },
  };
}

function sqliteConfig(target: DatabaseTarget): Knex.Config {
  return {
    client: 'better-sqlite3',
    connection: { filename: target.sqlitePath! },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      // Wait for other writers (another modkit runner, an admin shell) instead of failing with SQLITE_BUSY.
      afterCreate(connection: { pragma(sql: string): unknown }, done: (error: Error | null, connection: unknown) => void) {
        try {
          connection.pragma('busy_timeout = 5000');
          done(null, connection);
        } catch (error) {
          done(error as Error, connection);
        }
      },
    },
  };
}
