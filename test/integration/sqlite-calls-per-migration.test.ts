/**
 * SQLite's group commit sends two driver calls a migration (group-commit.ts): the body's `exec`
 * (with its two savepoints opened in front of it), and one `exec` for the guard's release, the
 * history row and the migration's release. Counted at better-sqlite3 against a real file, with
 * the guarantees checked alongside: every row applied, a failing body rolled back without its row.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { openSession } from '../../src/db/load-engine.js';
import { BodyError, type MigrationStep, type Session } from '../../src/db/session.js';
import type { MigrationBody } from '../../src/modules/load-body.js';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';

const TABLE = historyTableNameSync('a');

function step(id: string, sql: string): MigrationStep {
  const body: MigrationBody = { format: 'sql', sql, transactional: true };
  return {
    table: TABLE,
    direction: 'up',
    body,
    migration: { id, module: 'a', format: 'sql', checksum: 'c'.repeat(64) },
  };
}

/** Counts better-sqlite3's calls that reach SQLite: exec, and prepared statements' run/all/get. */
function countCalls(): { count: () => number; restore: () => void } {
  const probe = new Database(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, unknown>;
  probe.close();
  const targets: [Record<string, unknown>, string][] = [
    [Database.prototype as unknown as Record<string, unknown>, 'exec'],
    [statement, 'run'],
    [statement, 'all'],
    [statement, 'get'],
  ];
  let n = 0;
  const originals = targets.map(([owner, name]) => owner[name] as (...args: unknown[]) => unknown);
  targets.forEach(([owner, name], i) => {
    const original = originals[i]!;
    owner[name] = function (this: unknown, ...args: unknown[]) {
      n += 1;
      return original.apply(this, args);
    };
  });
  return {
    count: () => n,
    restore: () => targets.forEach(([owner, name], i) => void (owner[name] = originals[i])),
  };
}

describe('SQLite apply: driver calls per migration', () => {
  let target: TestTarget | undefined;
  let session: Session | undefined;
  afterEach(async () => {
    await session?.close().catch(() => undefined);
    await target?.dispose();
    session = undefined;
    target = undefined;
  });

  it('is two calls a migration, every row applied; a failing body leaves no row', async () => {
    target = await createTarget('sqlite');
    session = await openSession(parseDatabaseUrl(target.url, 'flag', process.cwd()));
    expect(await session.lock!.tryAcquire()).toBe(true);
    await session.createHistory(TABLE);
    const context = { runId: '00000000-0000-4000-8000-000000000000' };
    await session.apply(step('0000_warm', 'CREATE TABLE t0 (id INTEGER PRIMARY KEY)'), context); // opens the group

    const calls = countCalls();
    try {
      for (let i = 1; i <= 20; i += 1) {
        await session.apply(
          step(`${String(i).padStart(4, '0')}_t`, `CREATE TABLE t${i} (id INTEGER PRIMARY KEY);`),
          context,
        );
      }
      expect(calls.count()).toBe(40);
    } finally {
      calls.restore();
    }
    const failing = session.apply(
      step('0021_bad', 'CREATE TABLE t21 (id INTEGER);\nCREATE TABLE t1 (id INTEGER);'),
      context,
    );
    await expect(failing).rejects.toBeInstanceOf(BodyError);
    await session.flush();
    await session.close();
    session = undefined;

    const rows = await queryTarget<{ version: string; state: string }>(target, `SELECT version, state FROM ${TABLE}`);
    expect(rows).toHaveLength(21);
    expect(rows.every((r) => r.state === 'applied')).toBe(true);
    const tables = await queryTarget<{ name: string }>(target, "SELECT name FROM sqlite_master WHERE name = 't21'");
    expect(tables).toEqual([]);
  });
});
