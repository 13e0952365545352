import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import { createTarget, ENGINES, queryTarget, type TestEngine, type TestTarget } from '../support/engines.js';
import { runCli } from '../support/run-cli.js';

/**
 * 4 modules x 5 migrations, each slowed down a little so that the runners really overlap:
 * pg_sleep on PostgreSQL, DO SLEEP on MariaDB/MySQL, a timer in a script migration on SQLite
 * (which has no sleep).
 */
function workload(engine: TestEngine): FixtureModule[] {
  const names = ['base', 'alpha', 'beta', 'gamma'];
  const migration = (name: string, k: number): [string, string] =>
    engine === 'postgres'
      ? [`000${k + 1}_t${k}.sql`, `CREATE TABLE ${name}_t${k} (id INTEGER PRIMARY KEY);\nSELECT pg_sleep(0.02);`]
      : engine === 'mysql'
        ? [`000${k + 1}_t${k}.sql`, `CREATE TABLE ${name}_t${k} (id INTEGER PRIMARY KEY);\nDO SLEEP(0.02);`]
        : [
            `000${k + 1}_t${k}.mjs`,
            `export async function up(db) { await db.raw('CREATE TABLE ${name}_t${k} (id INTEGER PRIMARY KEY)'); await new Promise((r) => setTimeout(r, 20)); }`,
          ];
  return names.map((name, i) => ({
    name,
    system: i === 0,
    deps: i === 0 ? [] : ['base'],
    migrations: Object.fromEntries(Array.from({ length: 5 }, (_, k) => migration(name, k))),
  }));
}

describe.each([['postgres', 8], ['sqlite', 4], ...(ENGINES.includes('mysql') ? [['mysql', 8] as const] : [])] as const)(
  '%s: concurrent runners',
  (engine, runners) => {
    let target: TestTarget;
    let project: FixtureProject;
    afterEach(async () => {
      await target?.dispose();
      await project?.cleanup();
    });

    it(`${runners} runners at once apply every migration exactly once and all exit 0`, async () => {
      target = await createTarget(engine);
      project = await createFixtureProject(workload(engine));
      const results = await Promise.all(
        Array.from({ length: runners }, () =>
          runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url, '--json']),
        ),
      );
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const applied = results.map((r) => (JSON.parse(r.stdout) as { summary: { applied: number } }).summary.applied);
      expect(applied.reduce((a, b) => a + b, 0)).toBe(20);
      expect(applied.filter((n) => n > 0)).toEqual([20]);
      for (const name of ['base', 'alpha', 'beta', 'gamma']) {
        const rows = await queryTarget<{ version: string }>(
          target,
          `SELECT version FROM ${await historyTableName(name)} ORDER BY version`,
        );
        expect(rows.map((r) => r.version)).toEqual(['0001_t0', '0002_t1', '0003_t2', '0004_t3', '0005_t4']);
      }
      // The waiters said they waited, and for how long.
      const waited = results
        .map((r) => Number(/Lock acquired after (\d+) ms/.exec(r.stderr)?.[1] ?? 0))
        .filter((ms) => ms > 0);
      expect(waited.length).toBeGreaterThan(0);
      console.info(
        `${engine}: ${waited.length} of ${runners} runners waited for the lock, longest ${Math.max(...waited)} ms`,
      );
    });
  },
);
