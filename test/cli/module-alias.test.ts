import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, type TestTarget } from '../support/engines.js';
import { OPS_MODULES } from '../support/ops-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/** `--module` on rollback and lint: the positional argument under the common name, with no dependency expansion (issue 23 item 8). */
describe.each(ENGINES)('rollback --module on %s', (engine) => {
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

  it('rolls back exactly that module, as the argument does, and refuses two modules', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject(OPS_MODULES);
    expect((await cli('migrate', '--only')).code).toBe(0);

    const dry = await cli('rollback', '--module', 'users', '--steps', '2', '--dry-run');
    const positional = await cli('rollback', 'users', '--steps', '2', '--dry-run');
    expect([dry.code, dry.stdout, dry.stderr]).toEqual([positional.code, positional.stdout, positional.stderr]);

    // Not expanded to what reports depends on: billing, users and platform keep every migration.
    const r = await cli('rollback', '--module', 'reports');
    expect(r.code, r.stderr).toBe(0);
    expect(await versions('reports')).toEqual([]);
    expect(await versions('billing')).toEqual(['0001_invoices', '0002_refunds']);
    expect(await versions('users')).toEqual(['0001_users', '0002_email_index']);
    expect(await versions('platform')).toEqual(['0001_settings']);

    // Dependents are refused as with the argument (--cascade is the way), not rolled back.
    const blocked = await cli('rollback', '--module', 'users');
    expect(blocked.code).toBe((await cli('rollback', 'users')).code);
    expect(blocked.stderr).toContain('billing: 0001_invoices, 0002_refunds');
    expect(await versions('users')).toEqual(['0001_users', '0002_email_index']);

    const two = await cli('rollback', '--module', 'billing', '--module', 'users');
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('"billing" and "users" are named, but rollback undoes one module at a time');
    const same = await cli('rollback', 'reports', '--module', 'reports');
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('Nothing to roll back: module "reports" has no applied migrations.');
    const last = await cli('rollback', '--module', 'users', '--last-run');
    expect(last.code).toBe(2);
  });
});

describe('lint --module', () => {
  let project: FixtureProject | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it('lints only the named modules, as the argument does, never what they depend on', async () => {
    // platform's migration has a warning; users depends on platform and has a clean one.
    project = await createFixtureProject(
      [
        {
          name: 'platform',
          system: true,
          migrations: {
            '0001_settings.sql': 'CREATE TABLE settings (k text);\nCREATE INDEX settings_k ON settings (k);\n',
          },
        },
        {
          name: 'users',
          deps: ['platform'],
          migrations: { '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n' },
        },
      ],
      // Nothing connects: the URL only says the migrations are PostgreSQL's.
      { database: { url: 'postgres://nobody@127.0.0.1:1/never_connected' } },
    );
    const lint = (...args: string[]) => runCli(['lint', ...args, '-c', project!.configPath, '--json']);
    const all = JSON.parse((await lint()).stdout);
    expect(all.modules).toEqual(['platform', 'users']);
    const flag = await lint('--module', 'users');
    const positional = await lint('users');
    expect(flag.code, flag.stderr).toBe(0);
    expect(JSON.parse(flag.stdout)).toEqual(JSON.parse(positional.stdout));
    expect(JSON.parse(flag.stdout).modules).toEqual(['users']);
    expect(JSON.parse((await lint('--module', 'users', '--module', 'platform')).stdout).modules).toEqual([
      'platform',
      'users',
    ]);
    const unknown = await lint('--module', 'usres');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "users"?');
  });
});
