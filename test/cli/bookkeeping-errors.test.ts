/**
 * When modkit's own bookkeeping fails (creating or writing a history table), the message says so:
 * the table, the database's words, what to do — and never "Fix the migration".
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

const MODULES = [
  { name: 'billing', migrations: { '0001_invoices.sql': 'CREATE TABLE invoices (id INTEGER PRIMARY KEY);' } },
];

describe('bookkeeping failures on PostgreSQL', () => {
  let target: TestTarget;
  let project: FixtureProject;
  let role: string;
  afterEach(async () => {
    await target?.dispose(); // drops the database first, then the role it owned objects in
    await queryTarget({ ...target, url: adminUrl(target) }, `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await project?.cleanup();
  });

  /** A login role, and the test database's URL for it. */
  const setup = async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject(MODULES);
    role = `modkit_role_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(8).toString('hex'); // the embedded server checks passwords
    await queryTarget(target, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    const url = new URL(target.url);
    url.username = role;
    url.password = password;
    return (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', url.toString()]);
  };

  it('a role without CREATE on the schema: names the history table and the privilege, not the migration', async () => {
    const cli = await setup();
    // PostgreSQL 15: nobody but the owner may create in public.
    await queryTarget(target, 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    const r = await cli('migrate', '--only');
    expect(r.code).toBe(1);
    const table = await historyTableName('billing');
    expect(r.stderr).toContain(
      `modkit could not create its history table ${table} (for module billing): permission denied for schema public [42501]`,
    );
    expect(r.stderr).toContain("This is modkit's own bookkeeping, not your migration.");
    expect(r.stderr).toContain('grant it CREATE on the schema that holds the history tables');
    expect(r.stderr).toContain('Nothing of module "billing" ran.');
    expect(r.stderr).not.toContain('Fix the migration');
  });

  it('a history table the role may read but not write: the migration is rolled back with it, and the message says why', async () => {
    const cli = await setup();
    const table = await historyTableName('billing');
    await queryTarget(target, `GRANT CREATE ON SCHEMA public TO ${role}`);
    await queryTarget(
      target,
      `CREATE TABLE public."${table}" (version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, checksum VARCHAR(64), duration_ms INTEGER, state VARCHAR(16), run_id VARCHAR(36))`,
    );
    await queryTarget(target, `GRANT SELECT ON public."${table}" TO ${role}`);
    const r = await cli('migrate', '--only');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `modkit could not record the migration in its history table ${table} (for billing/0001_invoices): permission denied for table ${table} [42501]`,
    );
    expect(r.stderr).toContain('grant it SELECT, INSERT, UPDATE and DELETE on the history table');
    expect(r.stderr).toContain('The migration was rolled back together with it');
    expect(r.stderr).not.toContain('Fix the migration');
    expect(await tableNames(target)).not.toContain('invoices');
  });
});

describe('bookkeeping failures on SQLite', () => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it('a history insert that fails is reported as bookkeeping, and the migration is rolled back', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject(MODULES);
    const table = await historyTableName('billing');
    await queryTarget(
      target,
      `CREATE TABLE "${table}" (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')), checksum TEXT, duration_ms INTEGER, state TEXT, run_id TEXT)`,
    );
    await queryTarget(
      target,
      `CREATE TRIGGER frozen BEFORE INSERT ON "${table}" BEGIN SELECT RAISE(ABORT, 'history is frozen'); END`,
    );
    const r = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `modkit could not record the migration in its history table ${table} (for billing/0001_invoices): history is frozen`,
    );
    expect(r.stderr).not.toContain('Fix the migration');
    expect(await tableNames(target)).not.toContain('invoices');
  });

  it('repair whose history write fails: bookkeeping (exit 1), nothing changed, and a rerun repairs', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject(MODULES);
    const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
    expect((await cli('migrate', '--only')).code).toBe(0);
    const table = await historyTableName('billing');
    await queryTarget(target, `UPDATE "${table}" SET state = 'started' WHERE version = '0001_invoices'`);
    await queryTarget(
      target,
      `CREATE TRIGGER frozen BEFORE UPDATE ON "${table}" BEGIN SELECT RAISE(ABORT, 'history is frozen'); END`,
    );
    const r = await cli('repair');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${table} (for repair of module billing): history is frozen`);
    expect(r.stderr).toContain("This is modkit's own bookkeeping, not your migration.");
    expect(r.stderr).toContain('its changes are written in one transaction, which was rolled back');
    expect(r.stderr).toContain('Run repair again once the cause is fixed');
    expect(await queryTarget(target, `SELECT state FROM "${table}" WHERE version = '0001_invoices'`)).toEqual([
      { state: 'started' },
    ]);
    await queryTarget(target, 'DROP TRIGGER frozen');
    const rerun = await cli('repair');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await queryTarget(target, `SELECT state FROM "${table}" WHERE version = '0001_invoices'`)).toEqual([
      { state: 'applied' },
    ]);
  });
});

function adminUrl(target: TestTarget): string {
  const url = new URL(target.url);
  url.pathname = '/postgres';
  return url.toString();
}
