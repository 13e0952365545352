import type { Knex } from 'knex';
import type { DbConnection, Dialect } from './dialects/types.js';

const bound = new WeakMap<DbConnection, Knex>();

/**
 * A knex instance whose every query runs on one modkit connection, inside whatever transaction
 * modkit opened there. Script migrations receive it as `db`: their queries and the insert of
 * their history row then commit or roll back together, and they can never reach the pool.
 * knex is imported only when a script migration actually runs (it costs ~60 ms to load).
 */
export async function knexFor(dialect: Dialect, connection: DbConnection): Promise<Knex> {
  const existing = bound.get(connection);
  if (existing) return existing;
  const { default: knex } = await import('knex');
  // No `connection` setting: knex then creates no pool and opens nothing of its own.
  const instance = knex({ client: dialect.knexClient, useNullAsDefault: true });
  const client = instance.client as {
    acquireConnection(): Promise<unknown>;
    releaseConnection(connection: unknown): Promise<void>;
  };
  client.acquireConnection = async () => connection.driverConnection;
  client.releaseConnection = async () => undefined;
  bound.set(connection, instance);
  return instance;
}
