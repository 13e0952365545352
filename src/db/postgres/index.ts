import type { DatabaseTarget } from '../../config/types.js';
import type { EngineModule } from '../load-engine.js';
import { postgresRunLockHeld } from './postgres-lock.js';
import { APPLICATION_NAMES, CONNECT_TIMEOUT_MS } from './postgres-connection.js';
import { identifyPostgres } from './postgres-identity.js';
import { postgresPool } from './postgres-pool.js';
import { openPostgres } from './open-postgres.js';

/** PostgreSQL through `pg`. */
export const postgresEngine: EngineModule = {
  open: openPostgres,
  pool: postgresPool,
  identify: identifyPostgres,
  runLockHeld: postgresRunLockHeld,
  runtimeKnexConfig: (target: DatabaseTarget) => ({
    client: 'pg',
    connection: {
      connectionString: target.url,
      application_name: APPLICATION_NAMES.runtime,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    },
    // min 0: no idle connection is held open for a module that never queries.
    pool: { min: 0, max: 10 },
  }),
};
