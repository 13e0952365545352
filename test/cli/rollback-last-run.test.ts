/**
 * `modkit rollback --last-run`: undo everything the most recent migrate applied, across modules,
 * newest first, dependents first — a deploy's rollback in one command.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

describe.each(ENGINES)('modkit rollback --last-run on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
  const pair = (table: string) => ({
    up: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY);`,
    down: `DROP TABLE ${table};`,
  });
  const write = async (module: string, id: string, table: string) => {
    await project.write(`modules/${module}/migrations/${id}.up.sql`, pair(table).up);
    await project.write(`modules/${module}/migrations/${id}.down.sql`, pair(table).down);
  };

  it('undoes the last run only, dependents first and newest first; the next one undoes the run before', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      { name: 'platform', system: true },
      { name: 'users', deps: ['platform'] },
      { name: 'billing', deps: ['users'] },
    ]);
    await write('platform', '0001_settings', 'settings');
    await write('users', '0001_users', 'users');
    expect((await cli('migrate', '--only')).code).toBe(0);
    // The second deploy, within the same second on SQLite (run ids, not timestamps, order runs).
    await write('users', '0002_profiles', 'profiles');
    await write('billing', '0001_invoices', 'invoices');
    await write('billing', '0002_refunds', 'refunds');
    expect((await cli('migrate', '--only')).code).toBe(0);

    const dry = await cli('rollback', '--last-run', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Would roll back 3 migrations of the last run \([0-9a-f-]{36}\), in this order:/);
    expect(
      dry.stdout
        .split('\n')
        .filter((l) => /^\s+\d+\. /.test(l))
        .map((l) => l.trim().split(/\s+/).slice(1, 3).join(' ')),
    ).toEqual(['billing 0002_refunds', 'billing 0001_invoices', 'users 0002_profiles']);

    const r = await cli('rollback', '--last-run', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.migrations.map((m: { module: string; id: string }) => `${m.module}/${m.id}`)).toEqual([
      'billing/0002_refunds',
      'billing/0001_invoices',
      'users/0002_profiles',
    ]);
    expect(doc.lastRun).toMatch(/^[0-9a-f-]{36}$/);
    const tables = await tableNames(target);
    expect(tables).toEqual(expect.arrayContaining(['settings', 'users']));
    expect(tables).not.toEqual(expect.arrayContaining(['profiles']));
    expect(tables).not.toEqual(expect.arrayContaining(['invoices']));

    // The run before is now the last one.
    const again = await cli('rollback', '--last-run');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Rolled back 2 migrations in 2 modules');
    const none = await cli('rollback', '--last-run');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('Nothing to roll back');
  });

  it('refuses when a dependent has migrations applied since, outside that run', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([{ name: 'users' }, { name: 'reports', deps: ['users'] }]);
    await write('users', '0001_users', 'users');
    expect((await cli('migrate', '--only')).code).toBe(0);
    await write('reports', '0001_daily', 'daily');
    expect((await cli('baseline', 'reports', '--to', '0001_daily')).code).toBe(0); // no run id
    const r = await cli('rollback', '--last-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to roll back the last run');
    expect(r.stderr).toContain('- reports: 0001_daily');
    const rows = await queryTarget(target, `SELECT version FROM ${await historyTableName('users')}`);
    expect(rows).toHaveLength(1);
  });

  it('is a usage error together with a module, --steps or --cascade', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      { name: 'users', migrations: { '0001_users.sql': 'CREATE TABLE users (id INTEGER);' } },
    ]);
    expect((await cli('rollback', 'users', '--last-run')).code).toBe(2);
    expect((await cli('rollback', '--last-run', '--steps', '2')).code).toBe(2);
    expect((await cli('rollback')).code).toBe(2);
  });
});
