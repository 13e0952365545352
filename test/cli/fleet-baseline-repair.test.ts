/**
 * baseline and repair over a fleet (issue 24: every writing operation goes through the locked-session
 * path fleets reuse): each target under its own lock, planned from its own history, one entry per target.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import { runCli, type CliResult } from '../support/run-cli.js';

const MODULES: FixtureModule[] = [
  {
    name: 'users',
    migrations: {
      '0001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);',
      '0002_email.sql': 'ALTER TABLE users ADD COLUMN email VARCHAR(100);',
    },
  },
  {
    name: 'billing',
    deps: ['users'],
    migrations: { '0001_invoices.sql': 'CREATE TABLE invoices (id INTEGER PRIMARY KEY, user_id INTEGER);' },
  },
];

interface Entry {
  target: string;
  schema?: string;
  result: string;
  exitCode: number | null;
  recorded?: number;
  changes?: { module: string; id: string; kind: string }[];
  error: { message: string } | null;
}
interface Doc {
  command: string;
  exitCode: number;
  targets: Entry[];
  summary: { targets: number; ok: number; failed: number; exitCode: number; recorded?: number; repaired?: number };
}

let project: FixtureProject | undefined;
let database: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await database?.dispose();
  project = database = undefined;
});

const fleet = (args: string[]) =>
  runCli([...args, '--targets', 'targets.txt', '-c', project!.configPath], { cwd: project!.dir, timeoutMs: 120_000 });
const parse = (r: CliResult): Doc => {
  try {
    return JSON.parse(r.stdout) as Doc;
  } catch {
    throw new Error(`not one JSON document (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};
const sqliteTarget = (file: string): TestTarget =>
  ({ engine: 'sqlite', url: `sqlite:${file}`, file, dispose: async () => undefined }) as TestTarget;

describe('baseline and repair over a fleet of SQLite databases', () => {
  it('baseline --all adopts every tenant (a tenant recorded differently fails alone, exit 4); repair fixes only the dirty tenant', async () => {
    project = await createFixtureProject(MODULES);
    const files = ['a', 'b', 'c'].map((t) => join(project!.dir, 'tenants', `${t}.db`));
    await project.write('tenants/.keep', '');
    await project.write('targets.txt', files.map((f) => `sqlite:${f}`).join('\n'));
    // Existing tenants: their schema was made by hand, before modkit.
    for (const f of files)
      await queryTarget(sqliteTarget(f), 'CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100))');

    const first = await fleet([
      'baseline',
      '--all',
      '--to',
      'users=0002_email',
      '--to',
      'billing=0001_invoices',
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const doc = parse(first);
    expect(doc.command).toBe('baseline');
    expect(doc.summary).toMatchObject({ targets: 3, ok: 3, failed: 0, exitCode: 0, recorded: 9 });
    const users = await historyTableName('users');
    for (const f of files) {
      expect(await queryTarget(sqliteTarget(f), `SELECT version, state FROM "${users}" ORDER BY version`)).toEqual([
        { version: '0001_users', state: 'applied' },
        { version: '0002_email', state: 'applied' },
      ]);
    }
    // Recorded, not run: no tenant got the invoices table.
    expect(
      await queryTarget(sqliteTarget(files[0]!), "SELECT name FROM sqlite_master WHERE name = 'invoices'"),
    ).toEqual([]);
    const again = parse(await fleet(['baseline', '--all', '--json']));
    expect(again.summary).toMatchObject({ ok: 3, exitCode: 0, recorded: 0 });

    // Tenant b: a row recorded with another checksum (exit 4 there only, nothing recorded there); b dirty.
    await queryTarget(sqliteTarget(files[1]!), `UPDATE "${users}" SET state = 'started' WHERE version = '0002_email'`);
    const repaired = await fleet(['repair', '--json']);
    expect(repaired.code, repaired.stderr).toBe(0);
    const repairDoc = parse(repaired);
    expect(repairDoc.command).toBe('repair');
    expect(repairDoc.summary).toMatchObject({ targets: 3, ok: 3, exitCode: 0, repaired: 1 });
    const byFile = new Map(repairDoc.targets.map((t) => [t.target, t]));
    expect(byFile.get(`sqlite:${files[1]}`)?.changes).toEqual([
      expect.objectContaining({ module: 'users', id: '0002_email', kind: 'dirty-cleared' }),
    ]);
    expect(byFile.get(`sqlite:${files[0]}`)?.changes).toEqual([]);
    expect(
      await queryTarget(sqliteTarget(files[1]!), `SELECT state FROM "${users}" WHERE version = '0002_email'`),
    ).toEqual([{ state: 'applied' }]);

    // A tenant whose history disagrees with the files fails alone with baseline's exit 4.
    await queryTarget(sqliteTarget(files[2]!), `UPDATE "${users}" SET checksum = 'x' WHERE version = '0001_users'`);
    const conflict = await fleet(['baseline', 'users', '--to', '0002_email', '--json']);
    expect(conflict.code, conflict.stderr).toBe(4);
    const conflictDoc = parse(conflict);
    expect(conflictDoc.summary).toMatchObject({ ok: 2, failed: 1, exitCode: 4 });
    expect(conflictDoc.targets.find((t) => t.result === 'failed')).toMatchObject({
      target: `sqlite:${files[2]}`,
      exitCode: 4,
    });
  });

  it('an unknown module or migration is refused once, before any tenant is opened (exit 2)', async () => {
    project = await createFixtureProject(MODULES);
    await project.write('targets.txt', `sqlite:${join(project.dir, 'never.db')}\n`);
    const unknownModule = await fleet(['repair', '--module', 'biling']);
    expect(unknownModule.code).toBe(2);
    expect(unknownModule.stderr).toContain('Unknown module "biling"');
    const unknownId = await fleet(['baseline', 'users', '--to', '0009_nope']);
    expect(unknownId.code).toBe(2);
    expect(unknownId.stderr).toContain('0009_nope');
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(project.dir, 'never.db'))).toBe(false);
  });
});

describe('baseline and repair over PostgreSQL schema targets', () => {
  it('records each schema in its own history tables, on pooled connections', async () => {
    database = await createTarget('postgres');
    project = await createFixtureProject(MODULES);
    const schemas = ['tenant_1', 'tenant_2', 'tenant_3', 'tenant_4', 'tenant_5'];
    await project.write('targets.txt', schemas.map((s) => `${database!.url} schema=${s}`).join('\n'));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const s of schemas)
        await client.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.users (id INTEGER PRIMARY KEY)`);
      const r = await fleet(['baseline', 'users', '--to', '0001_users', '--parallel', '2', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(parse(r).summary).toMatchObject({ targets: 5, ok: 5, recorded: 5 });
      const users = await historyTableName('users');
      const rows = await client.query(
        `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = $1 ORDER BY 1`,
        [users],
      );
      expect(rows.rows.map((x) => x.schema)).toEqual(schemas);
      await client.query(`UPDATE tenant_3."${users}" SET state = 'started'`);
      const repaired = parse(await fleet(['repair', '--json']));
      expect(repaired.summary).toMatchObject({ ok: 5, repaired: 1 });
      expect((await client.query(`SELECT state FROM tenant_3."${users}"`)).rows).toEqual([{ state: 'applied' }]);
      // Then migrate runs only what was not recorded.
      const migrated = await runCli(
        ['migrate', '--only', '--targets', 'targets.txt', '-c', project.configPath, '--json'],
        { cwd: project.dir, timeoutMs: 120_000 },
      );
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(JSON.parse(migrated.stdout).summary).toMatchObject({ applied: 10 });
    } finally {
      await client.end();
    }
  });
});
