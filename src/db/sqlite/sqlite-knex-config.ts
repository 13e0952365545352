import type { FileTarget } from '../../config/types.js';
import type { Knex } from '../../modules/knex-types.js';
import { BUSY_TIMEOUT_MS } from './sqlite-connection.js';

/** knex settings for a SQLite file (the runtime handle, no-transaction scripts). */
export function sqliteKnexConfig(
  target: FileTarget,
  pool: { min: number; max: number } = { min: 1, max: 1 },
): Knex.Config {
  return {
    client: 'better-sqlite3',
    connection: { filename: target.filePath },
    useNullAsDefault: true,
    pool: {
      ...pool,
      // Wait for other writers (another modkit runner, an admin shell) instead of failing with SQLITE_BUSY.
      afterCreate(
        connection: { pragma(sql: string): unknown },
        done: (error: Error | null, connection: unknown) => void,
      ) {
        try {
          connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
          done(null, connection);
        } catch (error) {
          done(error as Error, connection);
        }
      },
    },
  };
}
