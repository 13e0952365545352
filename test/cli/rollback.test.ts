import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { OPS_MODULES } from '../support/ops-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

describe.each(ENGINES)('modkit rollback on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
  const versions = async (module: string) =>
    (
      await queryTarget<{ version: string }>(
        target,
        `SELECT version FROM ${await historyTableName(module)} ORDER BY version`,
      )
    ).map((r) => r.version);
  const migrated = async () => {
    target = await createTarget(engine);
    project = await createFixtureProject(OPS_MODULES);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(0);
  };

  it('undoes the newest migration by default, in its own transaction with its history row', async () => {
    await migrated();
    const r = await cli('rollback', 'reports');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reports\s+0001_revenue/);
    expect(r.stdout).toContain('Rolled back 1 migration in 1 module');
    expect(await versions('reports')).toEqual([]);
    expect(await tableNames(target)).not.toContain('revenue');
  });

  it('refuses with exit 2, naming them, while dependents have applied migrations; nothing changes', async () => {
    await migrated();
    const r = await cli('rollback', 'users', '--json');
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      modkit: 1,
      command: 'rollback',
      exitCode: 2,
      error: { kind: 'usage', module: 'users' },
    });
    expect(doc.error.dependents).toEqual([
      { module: 'reports', applied: ['0001_revenue'] },
      { module: 'billing', applied: ['0001_invoices', '0002_refunds'] },
    ]);
    expect(r.stderr).toMatch(
      /modules that depend on it have applied migrations:\n- reports: 0001_revenue\n- billing: 0001_invoices, 0002_refunds/,
    );
    expect(r.stderr).toContain('--cascade');
    expect(await versions('users')).toEqual(['0001_users', '0002_email_index']);
  });

  it('refuses (exit 2) before running anything when a migration to undo has no down', async () => {
    await migrated();
    const r = await cli('rollback', 'billing', '--cascade');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('billing/0002_refunds');
    expect(r.stderr).toContain('it has no 0002_refunds.down.sql');
    expect(r.stderr).toContain('nothing ran');
    // reports would have been undone first: it is still there.
    expect(await versions('reports')).toEqual(['0001_revenue']);
    expect(await tableNames(target)).toEqual(expect.arrayContaining(['revenue', 'refunds']));
  });

  it('--cascade rolls dependents back completely first, in reverse topological order, and --to keeps ID', async () => {
    await migrated();
    await project.write('modules/billing/migrations/0002_refunds.down.sql', 'DROP TABLE refunds;');
    const r = await cli('rollback', 'users', '--cascade', '--to', '0001_users', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(
      doc.migrations.map((m: { module: string; id: string; status: string }) => `${m.module}/${m.id}:${m.status}`),
    ).toEqual([
      'reports/0001_revenue:reverted',
      'billing/0002_refunds:reverted',
      'billing/0001_invoices:reverted',
      'users/0002_email_index:reverted',
    ]);
    expect(doc.summary.reverted).toBe(4);
    expect(await versions('users')).toEqual(['0001_users']);
    expect(await versions('billing')).toEqual([]);
    const tables = await tableNames(target);
    expect(tables).toContain('users');
    for (const gone of ['revenue', 'refunds', 'invoices']) expect(tables).not.toContain(gone);
    // and it migrates back up cleanly
    const again = await cli('migrate', '--only');
    expect(again.code, again.stderr).toBe(0);
    expect(await versions('reports')).toEqual(['0001_revenue']);
  });

  it('--dry-run prints the exact plan with the SQL of SQL downs and changes nothing', async () => {
    await migrated();
    await project.write('modules/billing/migrations/0002_refunds.down.sql', 'DROP TABLE refunds;');
    const r = await cli('rollback', 'billing', '--cascade', '--steps', '2', '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Would roll back 3 migrations, in this order:');
    expect(r.stdout).toMatch(
      /1\. reports 0001_revenue .*\n\s+-- undo the report table\n\s+DROP TABLE revenue;\n\s+2\. billing 0002_refunds/,
    );
    expect(r.stdout).toMatch(/3\. billing 0001_invoices/);
    expect(await versions('reports')).toEqual(['0001_revenue']);
    expect(await versions('billing')).toEqual(['0001_invoices', '0002_refunds']);
  });

  it('with nothing applied: exit 0, and says there is nothing to roll back', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject(OPS_MODULES);
    for (const args of [[], ['--steps', '2']]) {
      const r = await cli('rollback', 'reports', ...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('Nothing to roll back: module "reports" has no applied migrations.');
    }
    const json = await cli('rollback', 'reports', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'rollback', exitCode: 0, steps: [], error: null });
  });

  it('refuses an unknown module with did-you-mean, and too many steps', async () => {
    await migrated();
    const unknown = await cli('rollback', 'biling');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown module "biling" (did you mean "billing"?)');
    const tooMany = await cli('rollback', 'reports', '--steps', '3');
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('only 1 is applied');
    const notApplied = await cli('rollback', 'users', '--to', '0003_nope');
    expect(notApplied.code).toBe(2);
    expect(notApplied.stderr).toContain('that migration is not applied');
  });

  it('refuses (exit 4) to undo a migration whose file changed after it was applied, unless --allow-drift', async () => {
    await migrated();
    await project.write(
      'modules/reports/migrations/0001_revenue.up.sql',
      'CREATE TABLE revenue (day VARCHAR(10) PRIMARY KEY, total BIGINT);',
    );
    const refused = await cli('rollback', 'reports');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('changed after');
    expect(await versions('reports')).toEqual(['0001_revenue']);
    const allowed = await cli('rollback', 'reports', '--allow-drift');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await versions('reports')).toEqual([]);
  });

  it('stops at a failing down: exit 1, what completed stays reverted, the failed one stays applied', async () => {
    await migrated();
    await project.write('modules/billing/migrations/0002_refunds.down.sql', 'DROP TABLE no_such_table;');
    const r = await cli('rollback', 'billing', '--cascade', '--steps', '2', '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.migrations.map((m: { id: string; status: string }) => `${m.id}:${m.status}`)).toEqual([
      '0001_revenue:reverted',
      '0002_refunds:failed',
    ]);
    expect(doc.error.message).toContain('0002_refunds');
    expect(r.stderr).toContain('billing');
    expect(await versions('reports')).toEqual([]);
    expect(await versions('billing')).toEqual(['0001_invoices', '0002_refunds']);
  });
});
