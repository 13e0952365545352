import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { POSTGRES_LOCK_KEY } from '../../src/db/lock-key.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { runCli, startCli } from '../support/run-cli.js';

let target: TestTarget;
let project: FixtureProject;
afterEach(async () => {
  await target?.dispose();
  await project?.cleanup();
});

const migrateArgs = () => ['migrate', '--only', '-c', project.configPath, '--database-url', target.url];

/** Resolves once PostgreSQL shows a statement containing `fragment` running in the target database. */
async function waitForStatement(fragment: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const rows = await queryTarget(
      target,
      "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE $1",
      [`%${fragment}%`],
    );
    if (rows.length > 0) return;
    await sleep(50);
  }
  throw new Error(`statement ${fragment} never started`);
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await sleep(50);
  if (!existsSync(path)) throw new Error(`${path} never appeared`);
}

describe('PostgreSQL', () => {
  it('a runner killed with SIGKILL mid-migration leaves no lock and no partial schema; the next run applies it', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_slow.sql': 'CREATE TABLE half (id INTEGER);\nSELECT pg_sleep(30);' } },
    ]);
    const runner = startCli(migrateArgs());
    await waitForStatement('pg_sleep(30)');
    runner.child.kill('SIGKILL');
    await runner.done;
    await project.write('modules/core/migrations/0001_slow.sql', 'CREATE TABLE half (id INTEGER);');
    const next = await runCli([...migrateArgs(), '--lock-timeout', '10000']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('0001_slow');
    expect(await tableNames(target)).toContain('half');
  });

  it('a no-transaction migration killed half-way leaves its module dirty: migrate refuses with exit 4 and names repair', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: { '0001_nt.sql': '-- modkit:no-transaction\nCREATE TABLE nt (id INTEGER);\nSELECT pg_sleep(30);' },
      },
    ]);
    const runner = startCli(migrateArgs());
    await waitForStatement('pg_sleep(30)');
    runner.child.kill('SIGKILL');
    await runner.done;
    const rows = await queryTarget(target, `SELECT version, state FROM ${await historyTableName('core')}`);
    expect(rows).toEqual([{ version: '0001_nt', state: 'started' }]);
    const next = await runCli([...migrateArgs(), '--lock-timeout', '10000']);
    expect(next.code).toBe(4);
    expect(next.stderr).toContain('module "core" is dirty');
    expect(next.stderr).toContain('modkit repair --module core');
  });

  it('SIGTERM during a migration cancels the statement, rolls back, releases the lock and exits 130', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_fast.sql': 'CREATE TABLE fast (id INTEGER);',
          '0002_slow.sql': 'CREATE TABLE slow (id INTEGER);\nSELECT pg_sleep(30);',
        },
      },
    ]);
    const runner = startCli(migrateArgs());
    await waitForStatement('pg_sleep(30)');
    runner.child.kill('SIGTERM');
    const result = await runner.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/interrupted/);
    const tables = await tableNames(target);
    expect(tables).toContain('fast');
    expect(tables).not.toContain('slow');
    const locks = await queryTarget(
      target,
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      [Number(POSTGRES_LOCK_KEY & 0xffffffffn)],
    );
    expect(locks).toEqual([]);
  });

  it('gives up after --lock-timeout with exit 3 and names the holder', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } },
    ]);
    const holder = new pg.Client({ connectionString: target.url, application_name: 'test-holder' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [POSTGRES_LOCK_KEY.toString()]);
      const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const result = await runCli([...migrateArgs(), '--lock-timeout', '400']);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`backend pid ${pid}`);
      expect(result.stderr).toContain('test-holder');
      expect(await tableNames(target)).not.toContain('a');
    } finally {
      await holder.end();
    }
  });

  it('a runner waiting for the lock does not block a concurrent CREATE INDEX CONCURRENTLY', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_big.sql':
            'CREATE TABLE big (id INTEGER, v TEXT);\nINSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 600000) g;',
          '0002_index.sql': '-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY big_v ON big (v);',
        },
      },
    ]);
    const a = startCli(migrateArgs());
    await waitForStatement('CREATE INDEX CONCURRENTLY');
    const b = startCli([...migrateArgs(), '--lock-timeout', '60000']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stdout).toContain('Nothing to migrate');
    const valid = await queryTarget(
      target,
      "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'big_v'",
    );
    expect(valid).toEqual([{ indisvalid: true }]);
    const rows = await queryTarget(
      target,
      `SELECT version, state FROM ${await historyTableName('core')} ORDER BY version`,
    );
    expect(rows).toEqual([
      { version: '0001_big', state: 'applied' },
      { version: '0002_index', state: 'applied' },
    ]);
  });
});

describe('SQLite', () => {
  /** A script migration that creates a table, drops a marker file, then waits: the process is mid-transaction. */
  const slowScript = (marker: string) =>
    `import { writeFileSync } from 'node:fs';
export async function up(db) {
  await db.raw('CREATE TABLE half (id INTEGER)');
  writeFileSync(${JSON.stringify(marker)}, 'x');
  await new Promise((r) => setTimeout(r, 30000));
}`;

  it('a runner killed with SIGKILL mid-migration leaves no lock and no partial schema', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_slow.mjs': slowScript(`${target.file}.marker`) } },
    ]);
    const runner = startCli(migrateArgs());
    await waitForFile(`${target.file}.marker`);
    runner.child.kill('SIGKILL');
    await runner.done;
    await project.write(
      'modules/core/migrations/0001_slow.mjs',
      "export async function up(db) { await db.raw('CREATE TABLE half (id INTEGER)'); }",
    );
    const next = await runCli([...migrateArgs(), '--lock-timeout', '1000']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toContain('Waiting for the migration lock');
    expect(next.stdout).toContain('0001_slow');
  });

  it('SIGTERM abandons a running script migration, rolls it back and exits 130', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_slow.mjs': slowScript(`${target.file}.marker`) } },
    ]);
    const runner = startCli(migrateArgs());
    await waitForFile(`${target.file}.marker`);
    runner.child.kill('SIGTERM');
    const result = await runner.done;
    expect(result.code).toBe(130);
    expect(await tableNames(target)).not.toContain('half');
    await project.write(
      'modules/core/migrations/0001_slow.mjs',
      "export async function up(db) { await db.raw('CREATE TABLE half (id INTEGER)'); }",
    );
    expect((await runCli([...migrateArgs(), '--lock-timeout', '1000'])).code).toBe(0);
  });

  it('a second signal exits at once when the first cannot stop the run (a hanging preInit)', async () => {
    target = await createTarget('sqlite');
    const marker = `${target.file}.marker`;
    project = await createFixtureProject([
      {
        name: 'core',
        system: true,
        migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' },
        extra: `async preInit() { (await import('node:fs')).writeFileSync(${JSON.stringify(marker)}, 'x'); await new Promise(() => setInterval(() => {}, 1000)); },`,
      },
    ]);
    const runner = startCli(migrateArgs());
    await waitForFile(marker);
    runner.child.kill('SIGINT');
    await sleep(300);
    expect(runner.child.exitCode).toBeNull();
    runner.child.kill('SIGINT');
    const result = await runner.done;
    expect(result.code).toBe(130);
    expect(await tableNames(target)).not.toContain('a');
  });

  it('gives up after --lock-timeout with exit 3 while another process holds the lock', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } },
    ]);
    const lock = new Database(`${target.file}.modkit-lock`);
    lock.exec('BEGIN IMMEDIATE');
    try {
      const result = await runCli([...migrateArgs(), '--lock-timeout', '300']);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('.modkit-lock');
    } finally {
      lock.close();
    }
    expect((await runCli(migrateArgs())).code).toBe(0);
  });
});
