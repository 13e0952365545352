/**
 * Issue 19 §1 (b, c) as a user meets it: a script migration cannot commit or roll back the
 * transaction it is given (its knex handle refuses, and nothing is left behind), and one that ends
 * it anyway (`db.raw('ROLLBACK')`) is found out after its body: exit 1 naming it, the database as
 * the report says, the module dirty, and the next plain `migrate` refuses until `repair`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

let project: FixtureProject | undefined;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  project = undefined;
  target = undefined;
});

const SIDE = 'CREATE TABLE side (v VARCHAR(10));\n';
const TABLE = historyTableNameSync('a');

describe.each(ENGINES)('a script that ends its transaction (%s)', (engine) => {
  const cli = (...args: string[]) => runCli([...args, '-c', project!.configPath, '--database-url', target!.url]);
  const side = async () => (await queryTarget<{ v: string }>(target!, 'SELECT v FROM side ORDER BY v')).map((r) => r.v);
  const history = () =>
    queryTarget<{ version: string; state: string }>(target!, `SELECT version, state FROM ${TABLE} ORDER BY version`);

  it.each(['commit', 'rollback'])(
    'db.%s() is refused with the marker as the fix, and nothing of the migration stays',
    async (method) => {
      target = await createTarget(engine);
      const script = `export async function up(db) {\n  await db('side').insert({ v: 'c1' });\n  await db.${method}();\n}\n`;
      project = await createFixtureProject([
        {
          name: 'a',
          migrations: {
            '0001_side.sql': SIDE,
            '0002_script.mjs': script,
            '0003_after.sql': "INSERT INTO side VALUES ('c3');\n",
          },
        },
      ]);
      const run = await cli('migrate', '--only');
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`Migration a/0002_script (${project.migrationPath('a', '0002_script.mjs')}) failed`);
      expect(run.stderr).toContain(`db.${method}() would end the transaction modkit runs this migration in`);
      expect(run.stderr).toContain('export const transaction = false');
      expect(run.stderr).toContain('It was rolled back');
      expect(run.stdout).toContain('Applied 1 migration');
      expect(await side()).toEqual([]);
      expect(await history()).toEqual([{ version: '0001_side', state: 'applied' }]);

      await project.write(
        'modules/a/migrations/0002_script.mjs',
        "export async function up(db) {\n  await db('side').insert({ v: 'c1' });\n}\n",
      );
      const again = await cli('migrate', '--only');
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('Applied 2 migrations');
      expect(await side()).toEqual(['c1', 'c3']);
    },
  );

  it("db.raw('ROLLBACK') is found after the body: exit 1, dirty, the database as reported, and migrate refuses until repair", async () => {
    target = await createTarget(engine);
    const script =
      "export async function up(db) {\n  await db('side').insert({ v: 'c1' });\n  await db.raw('ROLLBACK');\n  await db('side').insert({ v: 'c2' });\n}\n";
    project = await createFixtureProject([
      {
        name: 'a',
        migrations: {
          '0001_side.sql': SIDE,
          '0002_script.mjs': script,
          '0003_after.sql': "INSERT INTO side VALUES ('c3');\n",
        },
      },
    ]);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      `Migration a/0002_script (${project.migrationPath('a', '0002_script.mjs')}) ended the transaction modkit ran it in`,
    );
    expect(run.stderr).toContain('Some or all of its work may be committed without its history row');
    expect(run.stderr).toContain('module "a" is now dirty');
    expect(run.stderr).toContain('modkit repair --module a --retry');
    // What the report says is what the database holds: c1 was rolled back by the script, c2 ran
    // outside any transaction and is committed, and the migration is recorded as started.
    expect(await side()).toEqual(['c2']);
    expect(await history()).toEqual([
      { version: '0001_side', state: 'applied' },
      { version: '0002_script', state: 'started' },
    ]);

    const refused = await cli('migrate', '--only');
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/\[dirty\].*0002_script/);

    // The user undoes what it left, fixes the script, and lets migrate run it again.
    await queryTarget(target, "DELETE FROM side WHERE v = 'c2'");
    expect((await cli('repair', '--module', 'a', '--retry')).code).toBe(0);
    await project.write(
      'modules/a/migrations/0002_script.mjs',
      "export async function up(db) {\n  await db('side').insert([{ v: 'c1' }, { v: 'c2' }]);\n}\n",
    );
    const fixed = await cli('migrate', '--only');
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(await side()).toEqual(['c1', 'c2', 'c3']);
    expect((await history()).map((r) => r.state)).toEqual(['applied', 'applied', 'applied']);
  });
});
