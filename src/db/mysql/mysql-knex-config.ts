import type { DatabaseTarget } from '../../config/types.js';
import type { Knex } from '../../modules/knex-types.js';
import { databaseOf, driverOptions, SESSION_SETUP } from './mysql-connection.js';
import { takeWorkSlot } from './mysql-lock.js';

/** The callback API of the mysql2 connection knex hands to `afterCreate`. */
interface CallbackConnection {
  query(sql: string, callback: (error: Error | null) => void): void;
  query(sql: string, params: readonly unknown[], callback: (error: Error | null) => void): void;
}

/** The one-connection knex pool of a no-transaction script migration (EngineDriver.knex.plainConfig). */
export function mysqlScriptKnexConfig(url: string): Knex.Config {
  const { sql, params } = takeWorkSlot(databaseOf(url));
  return {
    client: 'mysql2',
    connection: driverOptions(url) as Knex.MySql2ConnectionConfig,
    pool: {
      min: 0,
      max: 1,
      // UTC like ours, and its connection works for this run too, so it joins the work barrier.
      afterCreate(connection: CallbackConnection, done: (error: Error | null, connection: CallbackConnection) => void) {
        connection.query(SESSION_SETUP, (error) => {
          if (error) return done(error, connection);
          connection.query(sql, params, (slotError) => done(slotError, connection));
        });
      },
    },
  };
}

/** knex settings of the pool modules get at run time (`ctx.db`): the URL as given, the server's own session settings. */
export function mysqlRuntimeKnexConfig(target: DatabaseTarget): Knex.Config {
  return {
    client: 'mysql2',
    connection: {
      uri: target.url,
      connectTimeout: driverOptions(target.url).connectTimeout,
    } as Knex.MySql2ConnectionConfig,
    // min 0: no idle connection is held open for a module that never queries.
    pool: { min: 0, max: 10 },
  };
}
