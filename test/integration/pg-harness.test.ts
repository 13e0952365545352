/**
 * Proves the PostgreSQL harness itself. `.ci/run` requires this file's tests to
 * have passed, so a run where PostgreSQL silently went missing cannot be green.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, pgUrl } from '../support/postgres.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('pg harness', () => {
  it('answers SELECT version()', async () => {
    const [row] = await query<{ version: string }>(pgUrl(), 'SELECT version()');
    expect(row?.version).toMatch(/^PostgreSQL \d+/);
  });

  it('creates distinct test databases and drops them', async () => {
    const a = await createTestDatabase(pgUrl(), 'harness');
    const b = await createTestDatabase(pgUrl(), 'harness');
    try {
      expect(a.name).not.toBe(b.name);
      for (const db of [a, b]) {
        const [row] = await query<{ one: number; db: string }>(db.url, 'SELECT 1 AS one, current_database() AS db');
        expect(row).toEqual({ one: 1, db: db.name });
      }
    } finally {
      await a.drop();
      await b.drop();
    }
    const left = await query<{ datname: string }>(
      pgUrl(),
      `SELECT datname FROM pg_database WHERE datname IN ('${a.name}', '${b.name}')`,
    );
    expect(left).toEqual([]);
    await a.drop(); // idempotent
  });
});
