import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresConnection } from '../../src/db/postgres/postgres-connection.js';
import { createTarget, type TestTarget } from '../support/engines.js';

/**
 * A script modkit runs for its effect (a migration's one round trip, a reset, a commit) leaves its
 * results unread: pg builds no result object per statement, and rows a statement sends are dropped.
 * Errors still arrive whole (the position a migration's failing line is found from).
 */
const databases: TestTarget[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  for (const d of databases.splice(0)) await d.dispose();
});

async function connection(): Promise<PostgresConnection> {
  const database = await createTarget('postgres');
  databases.push(database);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  return new PostgresConnection(client);
}

describe('PostgresConnection.exec', () => {
  it('runs every statement of a script and builds no result for any of them', async () => {
    const c = await connection();
    const prototype = pg.Query.prototype as unknown as Record<string, () => void>;
    const handled = ['handleRowDescription', 'handleDataRow', 'handleCommandComplete'].map((name) =>
      vi.spyOn(prototype, name),
    );
    await c.exec('BEGIN; CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 3); SELECT * FROM t; COMMIT');
    for (const spy of handled) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(await c.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 3 }]);
  });

  it('rejects with the server’s error, its position included, and the connection goes on', async () => {
    const c = await connection();
    const failure = await c.exec('SELECT 1;\nSELECT nope FROM nowhere').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(pg.DatabaseError);
    expect(failure).toMatchObject({ code: '42P01', position: '28' });
    expect(await c.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });
});
