import { afterEach, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { readHistories, type HistoryDialect, type SqlRunner } from '../../src/db/history-store.js';
import { historyTableNames } from '../../src/db/history-table-name.js';
import { openSession } from '../../src/db/load-engine.js';
import { PostgresConnection } from '../../src/db/postgres/postgres-connection.js';
import { postgresHistory } from '../../src/db/postgres/postgres-history.js';
import type { Session } from '../../src/db/session.js';
import { connectMysql, databaseOf } from '../../src/db/mysql/mysql-connection.js';
import { mysqlHistory } from '../../src/db/mysql/mysql-history.js';
import { openDatabase, SqliteConnection } from '../../src/db/sqlite/sqlite-connection.js';
import { sqliteHistory } from '../../src/db/sqlite/sqlite-history.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';

/** Wraps a runner so that every statement sent to the database is counted. */
function counting(runner: SqlRunner): { runner: SqlRunner; count: () => number } {
  let n = 0;
  return {
    runner: {
      query: (sql, params) => ((n += 1), runner.query(sql, params)),
      exec: (sql) => ((n += 1), runner.exec(sql)),
    },
    count: () => n,
  };
}

/** The engine's own runner and history dialect on a second connection, for counting. */
async function rawRunner(
  target: TestTarget,
): Promise<{ runner: SqlRunner; dialect: HistoryDialect; close(): Promise<void> }> {
  if (target.engine === 'sqlite') {
    const db = openDatabase(target.file!);
    return { runner: new SqliteConnection(db), dialect: sqliteHistory(db), close: async () => void db.close() };
  }
  if (target.engine === 'mysql') {
    const connection = await connectMysql(target.url);
    return { runner: connection, dialect: mysqlHistory(databaseOf(target.url)), close: () => connection.close() };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  return { runner: new PostgresConnection(client), dialect: postgresHistory('public'), close: () => client.end() };
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `mod-${String(i).padStart(3, '0')}`);

describe.each(ENGINES)('reading history on %s', (engine) => {
  let target: TestTarget | undefined;
  let session: Session | undefined;
  afterEach(async () => {
    await session?.close();
    await target?.dispose();
  });

  it('takes as many round trips for 200 modules as for 1', async () => {
    target = await createTarget(engine);
    session = await openSession(parseDatabaseUrl(target.url, 'flag', process.cwd()));
    const modules = names(200);
    const tables = await historyTableNames(modules);
    await session.writeHistory(async (writer) => {
      for (const module of modules) {
        await writer.create(tables.get(module)!);
        await writer.insert(tables.get(module)!, '0001_init', 'c'.repeat(64));
      }
    });
    await session.close();
    session = undefined;

    const raw = await rawRunner(target);
    try {
      const one = counting(raw.runner);
      const historyOfOne = await readHistories(raw.dialect, one.runner, modules.slice(0, 1));
      const all = counting(raw.runner);
      const historyOfAll = await readHistories(raw.dialect, all.runner, modules);
      expect(historyOfOne.get(modules[0]!)?.records.map((r) => r.version)).toEqual(['0001_init']);
      expect([...historyOfAll.values()].every((h) => h.exists && h.records.length === 1)).toBe(true);
      expect(one.count()).toBeGreaterThan(0);
      expect(all.count()).toBe(one.count());
    } finally {
      await raw.close();
    }
  });
});
