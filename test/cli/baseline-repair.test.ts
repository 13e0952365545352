import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, dropIndexSql, ENGINES, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { OPS_MODULES } from '../support/ops-fixture.js';
import { redact } from '../support/postgres.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';
import { runRustMigrations } from '../support/rust-runtime.js';

interface Row {
  version: string;
  checksum: string | null;
  state: string | null;
  duration_ms: number | null;
}

describe.each(ENGINES)('modkit baseline, repair and status --exit-code on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
  const rows = async (module: string) =>
    queryTarget<Row>(
      target,
      `SELECT version, checksum, state, duration_ms FROM ${await historyTableName(module)} ORDER BY version`,
    );
  const setup = async () => {
    target = await createTarget(engine);
    project = await createFixtureProject(OPS_MODULES);
  };

  it('baseline records migrations up to ID with checksums without running them, and skips identical rows', async () => {
    await setup();
    const r = await cli('baseline', 'users', '--to', '0002_email_index', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      modkit: 1,
      command: 'baseline',
      exitCode: 0,
      module: 'users',
      to: '0002_email_index',
      skipped: [],
    });
    expect(doc.recorded.map((m: { id: string }) => m.id)).toEqual(['0001_users', '0002_email_index']);
    const recorded = await rows('users');
    expect(recorded.map((x) => [x.version, x.state, x.duration_ms])).toEqual([
      ['0001_users', 'applied', null],
      ['0002_email_index', 'applied', null],
    ]);
    expect(recorded.every((x) => /^[0-9a-f]{64}$/.test(x.checksum ?? ''))).toBe(true);
    expect(await tableNames(target)).not.toContain('users'); // nothing ran

    const again = await cli('baseline', 'users', '--to', '0002_email_index');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('skipped   users 0001_users (already recorded)');
    expect(again.stdout).toContain('Nothing to record');
  });

  it('baseline refuses (exit 4, recording nothing) when a migration is recorded with another checksum', async () => {
    await setup();
    expect((await cli('baseline', 'users', '--to', '0001_users')).code).toBe(0);
    await queryTarget(
      target,
      `UPDATE ${await historyTableName('users')} SET checksum = 'feedface' WHERE version = '0001_users'`,
    );
    const r = await cli('baseline', 'users', '--to', '0002_email_index');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('refusing to baseline module "users" to 0002_email_index');
    expect(r.stderr).toContain('0001_users');
    expect(r.stderr).toContain('modkit repair --module users');
    expect((await rows('users')).map((x) => x.version)).toEqual(['0001_users']);
  });

  it('baseline refuses an unknown module and an unknown id with did-you-mean (exit 2)', async () => {
    await setup();
    const module = await cli('baseline', 'user', '--to', '0001_users');
    expect(module.code).toBe(2);
    expect(module.stderr).toContain('Unknown module "user" (did you mean "users"?)');
    const id = await cli('baseline', 'users', '--to', '0001_user');
    expect(id.code).toBe(2);
    expect(id.stderr).toContain('did you mean "0001_users"?');
  });

  it('repair upgrades a Rust-created table and fills its null checksums', async () => {
    await setup();
    const table = await historyTableName('platform');
    // The Rust runtime's own statements: its table (version + applied_at), its row, no modkit columns.
    await runRustMigrations(target, 'platform', [
      { name: '0001_settings', sql: 'CREATE TABLE settings (k VARCHAR(50) PRIMARY KEY, v TEXT)' },
    ]);
    const r = await cli('repair', '--module', 'platform', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ modkit: 1, command: 'repair', exitCode: 0, modules: ['platform'] });
    expect(doc.upgrades).toEqual([
      {
        module: 'platform',
        table,
        columns: ['checksum', 'duration_ms', 'state', 'run_id'],
        appliedAtConverted: false,
        database: redact(target.url),
      },
    ]);
    expect(doc.changes).toEqual([
      expect.objectContaining({ module: 'platform', id: '0001_settings', kind: 'checksum-filled', before: null }),
    ]);
    const [row] = await rows('platform');
    expect(row!.checksum).toBe(doc.changes[0].after);
  });

  it('repair clears dirty state and re-records a changed checksum, only in the named module, printing each change', async () => {
    await setup();
    expect((await cli('migrate', '--only')).code).toBe(0);
    await queryTarget(
      target,
      `UPDATE ${await historyTableName('users')} SET state = 'started' WHERE version = '0002_email_index'`,
    );
    await queryTarget(
      target,
      `UPDATE ${await historyTableName('billing')} SET checksum = NULL WHERE version = '0001_invoices'`,
    );
    await project.write(
      'modules/users/migrations/0001_users.up.sql',
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(200));',
    );

    const refused = await cli('migrate', '--only');
    expect(refused.code).toBe(4);
    const statusBefore = await cli('status', '--exit-code');
    expect(statusBefore.code).toBe(4);

    const r = await cli('repair', '--module', 'users');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/checksum updated\s+users 0001_users: [0-9a-f]{12}… -> [0-9a-f]{12}…/);
    expect(r.stdout).toMatch(/dirty cleared\s+users 0002_email_index: started -> applied/);
    expect(r.stdout).toContain('Repaired 2 rows.');
    expect((await rows('users')).map((x) => x.state)).toEqual(['applied', 'applied']);
    // billing was not named: its null checksum is still there.
    expect((await rows('billing'))[0]!.checksum).toBeNull();

    const all = await cli('repair');
    expect(all.stdout).toMatch(/checksum filled\s+billing 0001_invoices: null ->/);
    const second = await cli('repair');
    expect(second.stdout).toContain('Nothing to repair in 4 modules.');
    expect((await cli('migrate', '--only')).code).toBe(0);
  });

  it('repair --retry forgets a dirty migration whose work was undone, so migrate runs it again', async () => {
    await setup();
    expect((await cli('migrate', '--only')).code).toBe(0);
    await queryTarget(
      target,
      `UPDATE ${await historyTableName('users')} SET state = 'started' WHERE version = '0002_email_index'`,
    );
    const refused = await cli('migrate', '--only');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('modkit repair --module users --retry');
    await queryTarget(target, dropIndexSql(target, 'users_email', 'users')); // the person undoes the half-done work
    const r = await cli('repair', '--module', 'users', '--retry');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dirty forgotten\s+users 0002_email_index: started -> pending/);
    expect((await rows('users')).map((x) => x.version)).toEqual(['0001_users']);
    const again = await cli('migrate', '--only');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0002_email_index');
  });

  it('status --exit-code exits 4 while anything is pending or wrong and 0 when exactly up to date', async () => {
    await setup();
    const pending = await cli('status', '--exit-code', '--json');
    expect(pending.code).toBe(4);
    expect(JSON.parse(pending.stdout)).toMatchObject({ command: 'status', exitCode: 4, upToDate: false });
    expect((await cli('status')).code).toBe(0); // without the flag status only reports
    expect((await cli('migrate', '--only')).code).toBe(0);
    const clean = await cli('status', '--exit-code', '--json');
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ exitCode: 0, upToDate: true });
    await project.write('modules/reports/migrations/0002_daily.sql', 'CREATE TABLE daily (id INTEGER);');
    expect((await cli('status', '--exit-code')).code).toBe(4);
  });
});
