/**
 * SQLite's driver is synchronous: during a run of SQL migrations the event loop never turned, so a
 * SIGTERM (Kubernetes stopping the migration Job) was handled only after the last migration, and
 * the run exited 0 having applied everything. The run now lets the loop turn between steps: it
 * stops before the next migration and exits 130, and what it applied is recorded, nothing more.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { startCli } from '../support/run-cli.js';
import Database from 'better-sqlite3';

let project: FixtureProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const COUNT = 150;
/** A migration that keeps SQLite busy for a few milliseconds: a table and 20,000 rows. */
const slow = (n: number) =>
  `CREATE TABLE t${n} (x INTEGER PRIMARY KEY);\n` +
  `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) INSERT INTO t${n} SELECT x FROM c;\n`;

describe('a signal during a SQLite run of SQL migrations', () => {
  it('stops it before the next migration (exit 130); what ran is recorded, the rest did not run', async () => {
    const migrations: Record<string, string> = {};
    for (let n = 1; n <= COUNT; n += 1) migrations[`${String(n).padStart(4, '0')}_t${n}.sql`] = slow(n);
    project = await createFixtureProject([{ name: 'core', system: true, migrations }]);
    const file = join(project.dir, 'db.sqlite');
    const cli = startCli(['migrate', '--only', '-c', project.configPath, '--url', `sqlite:${file}`]);
    await cli.waitFor(/0001_t1/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);

    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare(`SELECT version, state FROM ${historyTableNameSync('core')}`).all() as {
        state: string;
      }[];
      const tables = db
        .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name LIKE 't%'")
        .get() as { n: number };
      expect(rows.length).toBeLessThan(COUNT);
      expect(rows.every((r) => r.state === 'applied')).toBe(true);
      expect(tables.n).toBe(rows.length);
    } finally {
      db.close();
    }
  });
});
