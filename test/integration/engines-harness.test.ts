/**
 * Proves that every engine the suite runs on answers, and records in the test report what this run
 * ran on: Node, the better-sqlite3 driver, each engine's server version and where its server came
 * from. `.ci/run` reads that record (the JSON report's `meta`) to check that each of its runs ran
 * where it meant to: the fresh-machine run on embedded PostgreSQL, the Node 24 run on Node 24 with
 * better-sqlite3 13, every run on all three engines.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createTarget, ENGINES, queryTarget, type TestEngine } from '../support/engines.js';
import { MYSQL_SOURCE_ENV } from '../support/mysql.js';
import { PG_SOURCE_ENV } from '../support/postgres.js';

const VERSION_SQL: Record<TestEngine, string> = {
  sqlite: 'SELECT sqlite_version() AS version',
  postgres: 'SELECT version() AS version',
  mysql: 'SELECT VERSION() AS version',
};

function source(engine: TestEngine): string {
  if (engine === 'sqlite') return `better-sqlite3 ${driverVersion('better-sqlite3')}`;
  const name = engine === 'postgres' ? PG_SOURCE_ENV : MYSQL_SOURCE_ENV;
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run this file through a project that has test/support/global-setup.ts`);
  return value;
}

function driverVersion(name: string): string {
  return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
}

describe('engines harness', () => {
  it('every engine of ENGINES answers on a fresh database; the report records where each came from', async ({
    task,
  }) => {
    const engines: Record<string, { source: string; version: string }> = {};
    for (const engine of ENGINES) {
      const target = await createTarget(engine);
      try {
        const [row] = await queryTarget<{ version: string }>(target, VERSION_SQL[engine]);
        expect(row?.version).toMatch(/\d+\.\d+/);
        engines[engine] = { source: source(engine), version: row!.version };
      } finally {
        await target.dispose();
      }
    }
    expect(Object.keys(engines)).toEqual([...ENGINES]);
    Object.assign(task.meta, { node: process.version, betterSqlite3: driverVersion('better-sqlite3'), engines });
  });
});
