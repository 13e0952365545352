import pg from 'pg';
import type { DbConnection, Row } from './types.js';

/** One pinned pg client behind modkit's DbConnection. */
export class PostgresConnection implements DbConnection {
  readonly engine = 'postgres';
  constructor(readonly driverConnection: pg.Client) {}

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    let n = 0;
    const text = params.length === 0 ? sql : sql.replace(/\?/g, () => `$${++n}`);
    const result = await this.driverConnection.query(text, params as unknown[]);
    return result.rows as T[];
  }

  async execScript(sql: string): Promise<void> {
    // No parameters: pg uses the simple query protocol, which runs every statement of the script.
    await this.driverConnection.query(sql);
  }

  async close(): Promise<void> {
    await this.driverConnection.end().catch(() => undefined);
  }
}

/**
 * Opens a client with session settings sent in the startup packet (no extra round trip).
 * `client_connection_check_interval` makes the server poll the socket during long statements,
 * so a runner killed with SIGKILL mid-migration is rolled back (and its lock released) within a
 * second instead of whenever the statement would have finished.
 */
export async function connectClient(url: string, settings: readonly string[], applicationName = 'modkit'): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    ...(settings.length > 0 ? { options: settings.map((s) => `-c ${s}`).join(' ') } : {}),
  });
  // An idle client whose server goes away emits 'error'; without a listener Node would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}
