import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { OPS_MODULES } from '../support/ops-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/** `migrate --only --module M --to ID` (Flyway's -target) and `migrate --dry-run` (= `plan`), issue 23 item 5. */
describe.each(ENGINES)('migrate --to and --dry-run on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
  const versions = async (module: string) => {
    const table = await historyTableName(module);
    if (!(await tableNames(target)).includes(table)) return [];
    return (await queryTarget<{ version: string }>(target, `SELECT version FROM ${table} ORDER BY version`)).map(
      (r) => r.version,
    );
  };
  const setup = async () => {
    target = await createTarget(engine);
    project = await createFixtureProject(OPS_MODULES);
  };

  it('--dry-run prints exactly what plan prints, with the same exit code, and changes nothing', async () => {
    await setup();
    for (const flags of [
      [],
      ['--json'],
      ['--module', 'users', '--to', '0001_users'],
      ['--sql', '--module', 'billing'],
    ]) {
      const plan = await cli('plan', ...flags);
      const dry = await cli('migrate', '--dry-run', ...flags);
      expect(plan.code, plan.stderr).toBe(0);
      expect({ code: dry.code, stdout: dry.stdout, stderr: dry.stderr }).toEqual({
        code: plan.code,
        stdout: plan.stdout,
        stderr: plan.stderr,
      });
      expect((await cli('migrate', '--only', '--dry-run', ...flags)).stdout).toBe(plan.stdout);
    }
    expect(await tableNames(target)).toEqual([]);
    // A refusal plan reports (drift after a real migrate) is reported the same way, with the same code.
    expect((await cli('migrate', '--only')).code).toBe(0);
    await project.write(
      'modules/users/migrations/0001_users.up.sql',
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(200));',
    );
    const plan = await cli('plan');
    const dry = await cli('migrate', '--dry-run');
    expect(dry.stdout).toContain('problem [drift]');
    expect([dry.code, dry.stdout]).toEqual([plan.code, plan.stdout]);
    // --sql is a dry run's flag.
    const sql = await cli('migrate', '--only', '--sql');
    expect(sql.code).toBe(2);
    expect(sql.stderr).toContain('--sql prints the SQL of a dry run');
  });

  it("applies M's dependencies completely and M up to and including ID; the rest stays pending", async () => {
    await setup();
    const plan = await cli('plan', '--module', 'users', '--to', '0001_users', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout);
    expect(
      planned.modules.map((m: { name: string; pending: { id: string }[] }) => [m.name, m.pending.map((p) => p.id)]),
    ).toEqual([
      ['platform', ['0001_settings']],
      ['users', ['0001_users']],
    ]);
    expect(planned.modules[1].heldBack).toEqual(['0002_email_index']);

    const r = await cli('migrate', '--only', '--module', 'users', '--to', '0001_users');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Applied 2 migrations in 2 modules');
    expect(r.stdout).toContain('Stopped "users" at 0001_users (--to); left pending after it: 0002_email_index.');
    expect(await versions('platform')).toEqual(['0001_settings']);
    expect(await versions('users')).toEqual(['0001_users']);
    expect(await versions('billing')).toEqual([]);
    const status = await cli('status', '--json');
    const users = JSON.parse(status.stdout).modules.find((m: { name: string }) => m.name === 'users');
    expect(users.pending).toEqual(['0002_email_index']);

    // The same target again (a retried deploy step): nothing to do up to it, exit 0, nothing runs.
    const again = await cli('migrate', '--only', '--module', 'users', '--to', '0001_users');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      '"users" is already at 0001_users (--to): nothing to apply up to it; left pending after it: 0002_email_index.',
    );
    expect(await versions('users')).toEqual(['0001_users']);

    // MODULE=ID is the same thing; --json says where each module stopped.
    const next = await cli('migrate', '--only', '--to', 'users=0002_email_index', '--module', 'users', '--json');
    expect(next.code, next.stderr).toBe(0);
    const doc = JSON.parse(next.stdout);
    expect(doc.migrations.map((m: { module: string; id: string }) => `${m.module} ${m.id}`)).toEqual([
      'users 0002_email_index',
    ]);
    expect(doc.to).toEqual({ users: '0002_email_index' });
    expect(doc.heldBack).toEqual([]);
    expect(await versions('users')).toEqual(['0001_users', '0002_email_index']);
    const past = await cli('migrate', '--only', '--module', 'users', '--to', '0001_users');
    expect(past.code, past.stderr).toBe(0);
    expect(past.stdout).toContain(
      'It is past it: 0002_email_index is applied too (to go back: modkit rollback users --to 0001_users).',
    );
    expect(await versions('users')).toEqual(['0001_users', '0002_email_index']);
  });

  it('refuses, before anything runs and all at once, what --to cannot mean', async () => {
    await setup();
    const refused = async (args: string[], ...expected: (string | RegExp)[]) => {
      const r = await cli(...args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      for (const e of expected) expect(r.stderr).toMatch(e);
    };
    await refused(
      ['migrate', '--only', '--module', 'users', '--to', '0001_user'],
      'module "users" has no migration with that id (did you mean "0001_users"?)',
    );
    await refused(
      ['migrate', '--only', '--to', '0001_users'],
      'a migration id belongs to one module, and no module is named',
    );
    await refused(
      ['migrate', '--only', '--module', 'users', '--module', 'billing', '--to', '0001_users'],
      '2 are named (users, billing); write --to MODULE=0001_users',
    );
    // A module with a dependent in the same run would have it run against part of it.
    await refused(
      ['migrate', '--only', '--module', 'billing', '--to', 'users=0001_users'],
      'but "billing" depends on it',
      'modkit migrate --only --module users --to 0001_users',
    );
    await refused(
      ['migrate', '--only', '--module', 'users', '--to', 'reports=0001_revenue'],
      'module "reports" is not among the modules of this run (platform, users): add --module reports',
    );
    await refused(
      ['migrate', '--only', '--module', 'users', '--to', 'usrs=0001_users'],
      'unknown module "usrs" (did you mean "users"?)',
    );
    // The full mode would start the application against part of a module.
    await refused(
      ['migrate', '--module', 'users', '--to', '0001_users'],
      'use `modkit migrate --only --module M --to ID`',
    );
    // Every problem at once, the list on lines of its own.
    await refused(
      ['migrate', '--only', '--module', 'reports', '--to', 'users=0009_x', '--to', 'nope=1'],
      /^error: 3 problems:\n- /m,
      'module "users" has no migration with that id',
      'unknown module "nope"',
      'but "billing" depends on it',
    );
    expect(await tableNames(target)).toEqual([]);
  });
});
