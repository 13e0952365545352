/**
 * The lint `migrate` runs reads the live catalog: a column's type comes from the database even when
 * a script migration made the table, `CREATE TABLE IF NOT EXISTS` of a table that exists does not
 * make it new, and the session's TimeZone decides whether `timestamp → timestamptz` rewrites.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

let project: FixtureProject | undefined;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  project = target = undefined;
});

const SCRIPT = `export async function up(db) {
  await db.raw('CREATE TABLE accounts (id int PRIMARY KEY, balance int, name varchar(100), seen timestamp)');
  await db.raw("INSERT INTO accounts SELECT g, g, 'n', now() FROM generate_series(1, 100) g");
}
`;

const relfilenode = async (t: TestTarget) =>
  (await queryTarget<{ n: number }>(t, "SELECT relfilenode AS n FROM pg_class WHERE relname = 'accounts'"))[0]!.n;

/** A database whose sessions run in UTC, where a script migration made `accounts` (100 rows). */
async function migratedScriptProject(): Promise<{ target: TestTarget; project: FixtureProject }> {
  const target = await createTarget('postgres');
  await queryTarget(target, `ALTER DATABASE "${new URL(target.url).pathname.slice(1)}" SET timezone = 'UTC'`);
  const project = await createFixtureProject([{ name: 'app', migrations: { '0001_accounts.mjs': SCRIPT } }], {
    database: { url: target.url },
  });
  expect((await runCli(['migrate', '--only', '-c', project.configPath])).code).toBe(0);
  return { target, project };
}

describe('migrate lints against the live catalog', () => {
  it('types from the database, IF NOT EXISTS of a live table, and the TimeZone of the session', async () => {
    ({ target, project } = await migratedScriptProject());

    const next = [
      'ALTER TABLE accounts ALTER COLUMN balance TYPE text;',
      'ALTER TABLE accounts ALTER COLUMN name TYPE varchar(200);',
      'ALTER TABLE accounts ALTER COLUMN seen TYPE timestamptz;',
      'CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY);',
      'CREATE INDEX accounts_name ON accounts (name);',
      'CREATE TABLE IF NOT EXISTS ledger (id int PRIMARY KEY, amount int);',
      'CREATE INDEX ledger_amount ON ledger (amount);',
    ];
    await project.write('modules/app/migrations/0002_changes.sql', `${next.join('\n')}\n`);

    // Offline, the script's table is unknown: a change to text looks like a widening, the TimeZone is unknown.
    const offline = await runCli(['lint', '-c', project.configPath]);
    expect(offline.stdout).not.toMatch(/0002_changes\.sql:1 /);
    expect(offline.stdout).toMatch(
      /0002_changes\.sql:3 {2}warn {2}table-rewrite {2}ALTER COLUMN seen TYPE timestamptz/,
    );

    const before = await relfilenode(target);
    const run = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stderr.split('\n').filter((l) => l.startsWith('warning: lint:'));
    expect(warnings).toEqual([
      expect.stringMatching(/0002_changes\.sql:1\) \[table-rewrite\] ALTER COLUMN balance TYPE text \(from integer\)/),
      expect.stringMatching(/0002_changes\.sql:5\) \[index-not-concurrent\] CREATE INDEX on "accounts"/),
    ]);
    // PostgreSQL agrees: the int → text change rewrote the table (the timestamptz one alone would not, under UTC).
    expect(await relfilenode(target)).not.toBe(before);
  });

  it('timestamp → timestamptz under UTC keeps the table, as the live lint says', async () => {
    ({ target, project } = await migratedScriptProject());
    await project.write(
      'modules/app/migrations/0002_tz.sql',
      'ALTER TABLE accounts ALTER COLUMN seen TYPE timestamptz;\n',
    );
    const before = await relfilenode(target);
    const run = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('lint');
    expect(await relfilenode(target)).toBe(before);
  });

  it('a table named with its schema, outside the search path, is read live too', async () => {
    ({ target, project } = await migratedScriptProject());
    await queryTarget(target, 'CREATE SCHEMA archive');
    await queryTarget(target, 'CREATE TABLE archive.ledger (id int PRIMARY KEY, amount int)');
    await project.write(
      'modules/app/migrations/0002_archive.sql',
      'ALTER TABLE archive.ledger ALTER COLUMN amount TYPE text;\n',
    );
    const run = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /0002_archive\.sql:1\) \[table-rewrite\] ALTER COLUMN amount TYPE text \(from integer\)/,
    );
  });
});
