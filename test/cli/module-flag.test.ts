import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { OPS_MODULES } from '../support/ops-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

describe.each(ENGINES)('--module on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);

  it('restricts migrate, plan and status to M and what M depends on (repeatable); unknown names get did-you-mean', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject(OPS_MODULES);
    const plan = await cli('plan', '--module', 'users', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).modules.map((m: { name: string }) => m.name)).toEqual(['platform', 'users']);

    const migrate = await cli('migrate', '--only', '--module', 'users', '--json');
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(JSON.parse(migrate.stdout).modules).toEqual(['platform', 'users']);
    expect(await tableNames(target)).not.toContain('invoices');

    const status = await cli('status', '--module', 'users', '--exit-code');
    expect(status.code, status.stdout).toBe(0); // up to date for what it covers
    expect((await cli('status', '--exit-code')).code).toBe(4);

    const both = await cli('migrate', '--only', '--module', 'reports', '--module', 'users');
    expect(both.code, both.stderr).toBe(0);
    const rows = await queryTarget<{ version: string }>(
      target,
      `SELECT version FROM ${await historyTableName('reports')}`,
    );
    expect(rows.map((r) => r.version)).toEqual(['0001_revenue']);

    const unknown = await cli('status', '--module', 'reprts');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "reports"?');
  });
});
