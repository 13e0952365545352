import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMysqlDatabase, mysqlAdminUrl, withConnection } from './mysql.js';
import { createTestDatabase, pgUrl } from './postgres.js';

export type TestEngine = 'sqlite' | 'postgres' | 'mysql';

/** A fresh database on one engine, private to one test. */
export interface TestTarget {
  readonly engine: TestEngine;
  readonly url: string;
  /** The SQLite file, for SQLite targets. */
  readonly file?: string;
  dispose(): Promise<void>;
}

/**
 * The engines the engine-generic suites run on. MariaDB/MySQL only when the global setup found a
 * server (it printed one line saying why not otherwise): its tests are then skipped, not failed.
 */
export const ENGINES: readonly TestEngine[] = ['sqlite', 'postgres', ...(mysqlAdminUrl() ? (['mysql'] as const) : [])];

/** Creates a fresh database: a temp SQLite file, or a new PostgreSQL / MariaDB database from the harness. */
export async function createTarget(engine: TestEngine): Promise<TestTarget> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'modkit-sqlite-'));
    const file = join(dir, 'test.sqlite');
    return { engine, url: `sqlite:${file}`, file, dispose: () => rm(dir, { recursive: true, force: true }) };
  }
  if (engine === 'mysql') {
    const admin = mysqlAdminUrl();
    if (!admin)
      throw new Error('no MariaDB/MySQL for tests: check ENGINES or mysqlAdminUrl() before createTarget("mysql")');
    const db = await createMysqlDatabase(admin);
    return { engine, url: db.url, dispose: () => db.drop() };
  }
  const db = await createTestDatabase(pgUrl());
  return { engine, url: db.url, dispose: () => db.drop() };
}

/**
 * Runs one query against a target directly through its driver (to check database state).
 * Parameters are `$1`, `$2` … on PostgreSQL and `?` on SQLite and MariaDB/MySQL.
 */
export async function queryTarget<T = Record<string, unknown>>(
  target: TestTarget,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
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
  if (target.engine === 'mysql') {
    return withConnection(target.url, async (c) => {
      const [rows] = await c.query(sql, params);
      return (Array.isArray(rows) ? rows : []) as T[];
    });
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

/** Names of the tables in the target's current schema (database, on MariaDB/MySQL). */
export async function tableNames(target: TestTarget): Promise<string[]> {
  const sql = {
    sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    postgres:
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1',
    mysql:
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1",
  }[target.engine];
  return (await queryTarget<{ name: string }>(target, sql)).map((r) => r.name);
}

/** `count(*)` as a plain number on every engine (PostgreSQL's is a bigint string, MariaDB's a number). */
export async function countRows(target: TestTarget, sqlFrom: string): Promise<number> {
  const [row] = await queryTarget<{ n: unknown }>(target, `SELECT count(*) AS n FROM ${sqlFrom}`);
  return Number(row?.n);
}

/**
 * Whether DDL is transactional on `engine` (a failed migration with DDL rolls back entirely).
 * MariaDB/MySQL commit implicitly before DDL: a failed migration leaves the module dirty instead.
 */
export function hasTransactionalDdl(engine: TestEngine): boolean {
  return engine !== 'mysql';
}

/** `DROP INDEX` as each engine spells it (MariaDB/MySQL name the table). */
export function dropIndexSql(target: TestTarget, index: string, table: string): string {
  return target.engine === 'mysql' ? `DROP INDEX ${index} ON ${table}` : `DROP INDEX ${index}`;
}
