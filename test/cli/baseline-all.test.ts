import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { OPS_MODULES } from '../support/ops-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/** `baseline --all`: adopting an existing database of N modules in one command (issue 23 item 6). */
describe.each(ENGINES)('baseline --all on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
  const history = async (module: string) => {
    const table = await historyTableName(module);
    if (!(await tableNames(target)).includes(table)) return [];
    return (
      await queryTarget<{ version: string; state: string }>(
        target,
        `SELECT version, state FROM ${table} ORDER BY version`,
      )
    ).map((r) => `${r.version}:${r.state}`);
  };
  const setup = async () => {
    target = await createTarget(engine);
    // An empty module too: it has nothing to record.
    project = await createFixtureProject([...OPS_MODULES, { name: 'docs' }]);
  };

  it('records every module at its latest migration (or its --to MODULE=ID) without running any', async () => {
    await setup();
    const r = await cli('baseline', '--all', '--to', 'users=0001_users', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      command: 'baseline',
      exitCode: 0,
      all: true,
      withoutMigrations: ['docs'],
      summary: { recorded: 5, modules: 4 },
    });
    expect(
      doc.modules.map((m: { module: string; to: string; recorded: { id: string }[] }) => [
        m.module,
        m.to,
        m.recorded.map((x) => x.id),
      ]),
    ).toEqual([
      ['platform', '0001_settings', ['0001_settings']],
      ['users', '0001_users', ['0001_users']],
      ['billing', '0002_refunds', ['0001_invoices', '0002_refunds']],
      ['reports', '0001_revenue', ['0001_revenue']],
    ]);
    expect(await history('platform')).toEqual(['0001_settings:applied']);
    expect(await history('users')).toEqual(['0001_users:applied']);
    expect(await history('billing')).toEqual(['0001_invoices:applied', '0002_refunds:applied']);
    expect(await history('reports')).toEqual(['0001_revenue:applied']);
    const tables = await tableNames(target);
    for (const table of ['settings', 'users', 'invoices', 'refunds', 'revenue']) expect(tables).not.toContain(table); // nothing ran

    // Again: the rest of users is recorded, everything else is skipped; a third time records nothing.
    const again = await cli('baseline', '--all');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      '  skipped   users 0001_users (already recorded)\n  recorded  users 0002_email_index\n',
    );
    expect(again.stdout).toContain('  no migrations: docs');
    expect(again.stdout).toContain('Recorded 1 migration of 1 module as applied, without running them.');
    expect((await cli('baseline', '--all')).stdout).toContain(
      'Nothing to record: 4 modules already have every migration',
    );
    expect((await cli('status', '--exit-code')).code).toBe(0);
  });

  it('--module narrows --all to M and what it depends on; --module without --all is the argument', async () => {
    await setup();
    const r = await cli('baseline', '--all', '--module', 'users');
    expect(r.code, r.stderr).toBe(0);
    expect(await history('users')).toEqual(['0001_users:applied', '0002_email_index:applied']);
    expect(await history('platform')).toEqual(['0001_settings:applied']);
    expect(await history('billing')).toEqual([]);
    const one = await cli('baseline', '--module', 'billing', '--to', '0001_invoices');
    expect(one.code, one.stderr).toBe(0);
    expect(await history('billing')).toEqual(['0001_invoices:applied']);
    expect(await history('reports')).toEqual([]);
  });

  it('lists every refusal at once and records nothing', async () => {
    await setup();
    const usage = await cli(
      'baseline',
      '--all',
      '--to',
      'users=0009_x',
      '--to',
      'nope=1',
      '--to',
      'billing=0001_invoice',
    );
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: 3 problems:\n- /m);
    expect(usage.stderr).toContain('module "users" has no migration with that id');
    expect(usage.stderr).toContain('unknown module "nope"');
    expect(usage.stderr).toContain('did you mean "0001_invoices"?');
    expect(await history('users')).toEqual([]);

    // Rows recorded differently in two modules: both listed, and the pending rows of the others are not written.
    expect((await cli('baseline', '--all', '--to', 'users=0001_users', '--to', 'billing=0001_invoices')).code).toBe(0);
    for (const module of ['users', 'billing']) {
      await queryTarget(target, `UPDATE ${await historyTableName(module)} SET checksum = 'feedface'`);
    }
    const conflict = await cli('baseline', '--all');
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toContain(
      'refusing to baseline: 2 migrations are already recorded differently, so nothing was recorded:',
    );
    expect(conflict.stderr).toMatch(
      /\n- users 0001_users \(.*\): recorded feedface, file [0-9a-f]{12}…\n- billing 0001_invoices /,
    );
    expect(conflict.stderr).toContain('modkit repair --module users --module billing');
    expect(await history('users')).toEqual(['0001_users:applied']);
    expect(await history('billing')).toEqual(['0001_invoices:applied']);

    const both = await cli('baseline', 'users', '--all');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      '--all baselines every selected module: leave out "users", or narrow --all with --module users',
    );
    const none = await cli('baseline');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name the module to baseline');
    const noTo = await cli('baseline', 'users');
    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toContain('give --to ID');
  });

  it('records each module in the database that holds its history (a module with its own database)', async () => {
    target = await createTarget(engine);
    const dir = await mkdtemp(join(tmpdir(), 'modkit-baseline-all-'));
    const own: TestTarget = {
      engine: 'sqlite',
      url: `sqlite:${join(dir, 'reports.sqlite')}`,
      file: join(dir, 'reports.sqlite'),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
    project = await createFixtureProject(OPS_MODULES, { modulesConfig: { reports: { database: { url: own.url } } } });
    try {
      const r = await cli('baseline', '--all', '--json');
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.databases).toHaveLength(2);
      expect(doc.modules.find((m: { module: string }) => m.module === 'reports').database).toBe(own.url);
      expect(await history('billing')).toEqual(['0001_invoices:applied', '0002_refunds:applied']);
      expect(await tableNames(target)).not.toContain(await historyTableName('reports'));
      const reports = await queryTarget<{ version: string }>(
        own,
        `SELECT version FROM ${await historyTableName('reports')}`,
      );
      expect(reports.map((x) => x.version)).toEqual(['0001_revenue']);
      expect((await cli('status', '--exit-code')).code).toBe(0);
    } finally {
      await own.dispose();
    }
  });

  it('is all or nothing per database: a row the database refuses leaves none of the others recorded', async () => {
    await setup();
    // A history table of reports that refuses its one row (a CHECK constraint), created as each engine's Rust runtime would plus modkit's columns.
    const table = await historyTableName('reports');
    const refuse = "CHECK (version <> '0001_revenue')";
    const ddl = {
      postgres: `CREATE TABLE ${table} (version VARCHAR(255) PRIMARY KEY ${refuse}, applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, checksum VARCHAR(64), duration_ms INTEGER, state VARCHAR(16), run_id VARCHAR(36))`,
      sqlite: `CREATE TABLE ${table} (version TEXT PRIMARY KEY ${refuse}, applied_at TEXT NOT NULL DEFAULT (datetime('now')), checksum TEXT, duration_ms INTEGER, state TEXT, run_id TEXT)`,
      mysql: `CREATE TABLE \`${table}\` (version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, checksum VARCHAR(64), duration_ms INTEGER, state VARCHAR(16), run_id VARCHAR(36), ${refuse})`,
    }[engine];
    await queryTarget(target, ddl);
    const r = await cli('baseline', '--all');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `modkit could not record the migration in its history table ${table} (for baseline of module reports)`,
    );
    expect(r.stderr).toContain("This is modkit's own bookkeeping, not your migration.");
    expect(r.stderr).toContain('No row was recorded in');
    for (const module of ['platform', 'users', 'billing', 'reports']) expect(await history(module), module).toEqual([]);
  });
});
