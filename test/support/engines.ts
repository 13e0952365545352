import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, pgUrl } from './postgres.js';

/** A fresh database on one engine, private to one test. */
export interface TestTarget {
  readonly engine: 'sqlite' | 'postgres';
  readonly url: string;
  /** The SQLite file, for SQLite targets. */
  readonly file?: string;
  dispose(): Promise<void>;
}

export const ENGINES = ['sqlite', 'postgres'] as const;

/** Creates a fresh database: a temp SQLite file, or a new PostgreSQL database from the harness. */
export async function createTarget(engine: 'sqlite' | 'postgres'): Promise<TestTarget> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'modkit-sqlite-'));
    const file = join(dir, 'test.sqlite');
    return { engine, url: `sqlite:${file}`, file, dispose: () => rm(dir, { recursive: true, force: true }) };
  }
  const db = await createTestDatabase(pgUrl());
  return { engine, url: db.url, dispose: () => db.drop() };
}

/** Runs one query against a target directly through its driver (to check database state). */
export async function queryTarget<T = Record<string, unknown>>(target: TestTarget, sql: string, params: unknown[] = []): Promise<T[]> {
  if (target.engine === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(target.file!);
    try {
      const statement = db.prepare(sql);
      return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
    } finally {
      db.close();
    }
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Names of the tables in the target's current schema. */
export async function tableNames(target: TestTarget): Promise<string[]> {
  const rows =
    target.engine === 'sqlite'
      ? await queryTarget<{ name: string }>(target, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      : await queryTarget<{ name: string }>(target, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1');
  return rows.map((r) => r.name);
}
