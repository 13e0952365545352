import { afterEach, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import type { DbConnection } from '../../src/db/dialects/types.js';
import { createHistoryTable, insertRecord, readHistories } from '../../src/db/history-table.js';
import { historyTableNames } from '../../src/db/history-table-name.js';
import { loadDialect } from '../../src/db/load-dialect.js';
import type { DbSession } from '../../src/db/session.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';

/** Wraps a connection so that every statement sent to the database is counted. */
function counting(connection: DbConnection): { connection: DbConnection; count: () => number } {
  let n = 0;
  const counted: DbConnection = {
    engine: connection.engine,
    driverConnection: connection.driverConnection,
    query: (sql, params) => ((n += 1), connection.query(sql, params)),
    execScript: (sql) => ((n += 1), connection.execScript(sql)),
    close: () => connection.close(),
  };
  return { connection: counted, count: () => n };
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `mod-${String(i).padStart(3, '0')}`);

describe.each(ENGINES)('reading history on %s', (engine) => {
  let target: TestTarget | undefined;
  let session: DbSession | undefined;
  afterEach(async () => {
    await session?.connection.close();
    await target?.dispose();
  });

  it('takes as many round trips for 200 modules as for 1', async () => {
    target = await createTarget(engine);
    const database = parseDatabaseUrl(target.url, 'flag', process.cwd());
    const dialect = await loadDialect(database.engine);
    session = { target: database, dialect, connection: (await dialect.connect(database))! };
    const modules = names(200);
    const tables = await historyTableNames(modules);
    for (const module of modules) {
      const table = tables.get(module)!;
      await createHistoryTable(session.dialect, session.connection, table);
      await insertRecord(session.connection, table, { version: '0001_init', checksum: 'c'.repeat(64), durationMs: 1 });
    }

    const one = counting(session.connection);
    const historyOfOne = await readHistories(session.dialect, one.connection, modules.slice(0, 1));
    const all = counting(session.connection);
    const historyOfAll = await readHistories(session.dialect, all.connection, modules);

    expect(historyOfOne.get(modules[0]!)?.records.map((r) => r.version)).toEqual(['0001_init']);
    expect([...historyOfAll.values()].every((h) => h.exists && h.records.length === 1)).toBe(true);
    expect(one.count()).toBeGreaterThan(0);
    expect(all.count()).toBe(one.count());
  });
});
