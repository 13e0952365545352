import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { POSTGRES_LOCK_KEY } from '../../src/db/lock-key.js';
import { lockNames } from '../../src/db/mysql/mysql-lock.js';
import { createTarget, ENGINES, queryTarget, type TestTarget } from '../support/engines.js';
import { healthUrl, probe } from '../support/health-probe.js';
import { withConnection } from '../support/mysql.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli, startCli } from '../support/run-cli.js';

/**
 * Issue 20, item 6: replicas that wait for the schema (`modkit wait`, `run --no-migrate`) instead
 * of racing the migration Job. Real databases; the waits end on what the database shows, never on
 * a sleep of the test's own.
 */
let project: FixtureProject | undefined;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  project = undefined;
  target = undefined;
});

const migrations = { '0001_a.sql': 'CREATE TABLE a (id INTEGER);', '0002_b.sql': 'CREATE TABLE b (id INTEGER);' };
const core = (extra = '') => ({
  name: 'core',
  migrations,
  source: `export default { name: 'core', migrations: './migrations', ${extra} };\n`,
});

/** Holds the target's migration lock as a running `migrate` would, until the returned function is called. */
async function holdRunLock(t: TestTarget): Promise<() => Promise<void>> {
  if (t.engine === 'sqlite') {
    const lock = new Database(`${t.file}.modkit-lock`);
    lock.exec('BEGIN IMMEDIATE');
    return async () => void lock.close();
  }
  if (t.engine === 'postgres') {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1::bigint)', [POSTGRES_LOCK_KEY.toString()]);
    return () => client.end();
  }
  let release!: () => void;
  let taken!: () => void;
  const isTaken = new Promise<void>((resolve) => (taken = resolve));
  const held = withConnection(t.url, async (c) => {
    const [[row]] = (await c.query('SELECT DATABASE() AS db')) as unknown as [[{ db: string }]];
    await c.query('SELECT GET_LOCK(?, 0)', [lockNames(row.db).run]);
    taken();
    await new Promise<void>((resolve) => (release = resolve));
  });
  await isTaken;
  return async () => (release(), await held);
}

describe.each(ENGINES)('modkit wait on %s', (engine) => {
  const args = (...rest: string[]) => ['wait', '-c', project!.configPath, '--url', target!.url, ...rest];

  it('times out with exit 4 listing what is pending; exits 0 once another run applied everything', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([core()]);
    const early = await runCli(args('--timeout', '300ms'));
    expect(early.code, early.stderr).toBe(4);
    expect(early.stderr).toMatch(
      /the schema is not ready after \d+ ms \(\d+ looks?\): 2 migrations of 1 module are not applied yet:\n- core 0001_a\n- core 0002_b/,
    );

    const waiting = startCli(args('--timeout', '2m'));
    await waiting.waitFor(/waiting for 2 migrations to be applied: core 0001_a, core 0002_b/);
    const migrate = await runCli(['migrate', '--only', '-c', project.configPath, '--url', target.url]);
    expect(migrate.code, migrate.stderr).toBe(0);
    const done = await waiting.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/Schema ready: every migration of 1 module is applied \(waited/);
  });

  it('a dirty module: exit 4 at once when no run holds the lock; while one holds it, the started migration is pending', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([core()]);
    expect((await runCli(['migrate', '--only', '-c', project.configPath, '--url', target.url])).code).toBe(0);
    await project.write('modules/core/migrations/0003_c.sql', 'CREATE TABLE c (id INTEGER);');
    const table = await historyTableName('core');
    const placeholder = engine === 'postgres' ? '$1' : '?';
    await queryTarget(target, `INSERT INTO ${table} (version, state) VALUES (${placeholder}, 'started')`, ['0003_c']);

    const dirty = await runCli(args('--timeout', '10m', '--json'));
    expect(dirty.code, dirty.stderr).toBe(4);
    expect(JSON.parse(dirty.stdout)).toMatchObject({
      outcome: 'dirty',
      attempts: 1,
      pending: [{ module: 'core', id: '0003_c' }],
    });
    expect(dirty.stderr).toContain(
      'the schema will not become ready: a module is dirty and no run holds the migration lock',
    );
    expect(dirty.stderr).toContain('module "core" is dirty: migration 0003_c started outside a transaction');

    const release = await holdRunLock(target);
    try {
      const running = await runCli(args('--timeout', '400ms', '--json'));
      expect(running.code, running.stderr).toBe(4);
      expect(JSON.parse(running.stdout)).toMatchObject({
        outcome: 'pending',
        pending: [{ module: 'core', id: '0003_c' }],
      });
    } finally {
      await release();
    }
  });

  it('run --no-migrate waits for the schema (not ready meanwhile), then runs; without a migration in time it exits 4 before init', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([core(`init() { console.log('core: init ran'); }`)]);
    const early = await runCli([
      'run',
      '--no-migrate',
      '--wait-timeout',
      '300ms',
      '-c',
      project.configPath,
      '--url',
      target.url,
    ]);
    expect(early.code, early.stderr).toBe(4);
    expect(early.stdout).not.toContain('core: init ran');

    const replica = startCli([
      'run',
      '--no-migrate',
      '--wait-timeout',
      '2m',
      '--health-port',
      '0',
      '-c',
      project.configPath,
      '--url',
      target.url,
    ]);
    const url = await healthUrl(replica);
    await replica.waitFor(/\[db\] waiting for another run to apply 2 migrations: core 0001_a, core 0002_b/);
    expect(await probe(`${url}/readyz`)).toEqual({
      status: 503,
      body: { status: 'not ready', reasons: ['starting (db phase)'] },
    });
    expect((await runCli(['migrate', '--only', '-c', project.configPath, '--url', target.url])).code).toBe(0);
    await replica.waitFor(/\[modkit\] running/);
    expect((await probe(`${url}/readyz`)).status).toBe(200);
    replica.child.kill('SIGTERM');
    const result = await replica.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\[db\] schema ready: every migration is applied \(waited/);
    expect(result.stdout).not.toMatch(/\[db\] core 0001_a/);
    expect(result.stdout).toContain('core: init ran');
  });
});

describe('modkit wait', () => {
  it('retries a database it cannot reach until the timeout, then exits 5 with the last error', async () => {
    project = await createFixtureProject([core()]);
    const result = await runCli([
      'wait',
      '-c',
      project.configPath,
      '--url',
      'postgres://app:s3cret@127.0.0.1:1/shop',
      '--timeout',
      '700ms',
    ]);
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toMatch(
      /gave up waiting for the schema after \d+ ms \(\d+ looks?\): cannot connect to postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop/,
    );
    expect(result.stderr).not.toContain('s3cret');
  });

  it('every duration flag takes 60s, 500ms, 2m or plain ms; anything else is exit 2', async () => {
    project = await createFixtureProject([core()]);
    const bad = await runCli(['wait', '-c', project.configPath, '--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "option '--timeout <duration>' argument 'soon' is invalid. expected a duration: 60s, 500ms, 2m, 1h or a plain number of milliseconds",
    );
    const lock = await runCli([
      'migrate',
      '--only',
      '-c',
      project.configPath,
      '--lock-timeout',
      '1.5s',
      '--db-lock-timeout',
      '2000',
    ]);
    expect(lock.code, lock.stderr).toBe(0);
  });
});
