/**
 * Proves the MariaDB/MySQL harness itself. `.ci/run` requires this file's tests to have passed, so
 * a run where MariaDB silently went missing (its engine-generic tests skipped) cannot be green.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { createMysqlDatabase, mysqlAdminUrl, withConnection } from '../support/mysql.js';

describe.skipIf(!mysqlAdminUrl())('MariaDB/MySQL harness', () => {
  it('answers SELECT VERSION(), and the engine-generic suites include it', async () => {
    const [rows] = await withConnection(mysqlAdminUrl()!, (c) => c.query('SELECT VERSION() AS version'));
    expect((rows as { version: string }[])[0]?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(ENGINES).toContain('mysql');
  });

  it('creates distinct test databases and drops them', async () => {
    const a = await createMysqlDatabase(mysqlAdminUrl()!, 'harness');
    const b = await createMysqlDatabase(mysqlAdminUrl()!, 'harness');
    try {
      expect(a.name).not.toBe(b.name);
      for (const db of [a, b]) {
        const [rows] = await withConnection(db.url, (c) => c.query('SELECT 1 AS one, DATABASE() AS db'));
        expect(rows).toEqual([{ one: 1, db: db.name }]);
      }
    } finally {
      await a.drop();
      await b.drop();
    }
    const [left] = await withConnection(mysqlAdminUrl()!, (c) =>
      c.query('SELECT schema_name FROM information_schema.schemata WHERE schema_name IN (?, ?)', [a.name, b.name]),
    );
    expect(left).toEqual([]);
    await a.drop(); // idempotent
  });
});
