import type { Knex } from 'knex';
import { dynamicImport } from '../util/dynamic-import.js';
import type { DbConnection, Dialect } from './dialects/types.js';

const bound = new WeakMap<DbConnection, { nested: Knex; plain: Knex }>();

/**
 * knex instances whose every query runs on one modkit connection. knex is imported only when a
 * script migration actually runs (it costs ~60 ms to load).
 *
 * - `nested` believes it is already inside a transaction (knex's own flag for transaction
 *   clients), so its `transaction()` opens a SAVEPOINT: script migrations receive a real
 *   `Knex.Transaction` nested in the transaction modkit opened for the migration and its history
 *   row, and a `db.transaction()` inside the migration nests again instead of committing ours.
 * - `plain` is for no-transaction migrations: its `transaction()` is a real BEGIN/COMMIT.
 */
export async function knexFor(dialect: Dialect, connection: DbConnection, mode: 'nested' | 'plain'): Promise<Knex> {
  let pair = bound.get(connection);
  if (!pair) {
    const { default: knex } = await dynamicImport<typeof import('knex')>('knex');
    const make = (transacting: boolean): Knex => {
      // No `connection` setting: knex then creates no pool and opens nothing of its own.
      const instance = knex({ client: dialect.knexClient, useNullAsDefault: true });
      const client = instance.client as {
        acquireConnection(): Promise<unknown>;
        releaseConnection(connection: unknown): Promise<void>;
        transacting?: boolean;
      };
      client.acquireConnection = async () => connection.driverConnection;
      client.releaseConnection = async () => undefined;
      if (transacting) client.transacting = true;
      return instance;
    };
    pair = { nested: make(true), plain: make(false) };
    bound.set(connection, pair);
  }
  return pair[mode];
}
