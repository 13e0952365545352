/**
 * Issue 19 §5: a script's late error — a timer that throws, a promise rejected after its `up()`
 * resolved — is blamed on the migration that started it, not on the one running at that moment,
 * and fails the run; a run that would end first waits for the timer and reports it.
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

const TABLE = historyTableNameSync('a');
const LATE_THROW =
  "export async function up() {\n  setTimeout(() => {\n    throw new Error('late boom');\n  }, 50);\n}\n";
/**
 * The same late throw, but only once the next migration has started (it sets `globalThis.nextStarted`):
 * on a busy machine a plain 50 ms timer could fire between the two migrations, when none is running.
 */
const LATE_THROW_DURING_NEXT =
  'export async function up() {\n  const poll = setInterval(() => {\n    if (!globalThis.nextStarted) return;\n' +
  "    clearInterval(poll);\n    throw new Error('late boom');\n  }, 10);\n}\n";

describe.each(ENGINES)('late errors of script migrations (%s)', (engine) => {
  const cli = (...args: string[]) => runCli([...args, '-c', project!.configPath, '--database-url', target!.url]);
  const history = () =>
    queryTarget<{ version: string; state: string }>(target!, `SELECT version, state FROM ${TABLE} ORDER BY version`);

  it('a timer that throws while the next migration runs is blamed on the migration that set it, and the run fails', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      {
        name: 'a',
        migrations: {
          '0001_side.sql': 'CREATE TABLE side (v VARCHAR(10));\n',
          '0002_timer.mjs': LATE_THROW_DURING_NEXT,
          // 0002's timer throws while this one waits (its own wait ends long after 0002's 10 ms polls).
          '0003_slow.mjs':
            "export async function up(db) {\n  await db('side').insert({ v: 'c3' });\n  globalThis.nextStarted = true;\n" +
            '  await new Promise((resolve) => setTimeout(resolve, 2000));\n}\n',
        },
      },
    ]);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      `migration a/0002_timer (${project.migrationPath('a', '0002_timer.mjs')}) left work running after its up() resolved`,
    );
    expect(run.stderr).toContain('late boom');
    expect(run.stderr).not.toMatch(/process\.exit/);
    expect(run.stderr).toMatch(/0003_slow[^\n]*(did not finish|rolled back)/);
    expect(await history()).toEqual([
      { version: '0001_side', state: 'applied' },
      { version: '0002_timer', state: 'applied' },
    ]);
    expect(await queryTarget(target, 'SELECT v FROM side')).toEqual([]);
    // The rerun goes on where the report said.
    await project.write('modules/a/migrations/0002_timer.mjs', 'export async function up() {}\n');
    await project.write(
      'modules/a/migrations/0003_slow.mjs',
      "export async function up(db) {\n  await db('side').insert({ v: 'c3' });\n}\n",
    );
    const rerun = await cli('migrate', '--only', '--allow-drift');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('Applied 1 migration');
  });

  it('a run that would end before the timer waits for it, then fails naming the migration', async () => {
    target = await createTarget(engine);
    // Whether the run is still applying or already waiting when the timer fires, it fails naming 0001.
    project = await createFixtureProject([
      { name: 'a', migrations: { '0001_timer.mjs': LATE_THROW.replace('50);', '1000);') } },
    ]);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      `migration a/0001_timer (${project.migrationPath('a', '0001_timer.mjs')}) left work running after its up() resolved`,
    );
    expect(await history()).toEqual([{ version: '0001_timer', state: 'applied' }]);
  });

  it('a promise rejected after up() resolved fails the run, naming the migration', async () => {
    target = await createTarget(engine);
    const script =
      "export async function up() {\n  new Promise((resolve) => setTimeout(resolve, 20)).then(() => {\n    throw new Error('rejected late');\n  });\n}\n";
    project = await createFixtureProject([{ name: 'a', migrations: { '0001_promise.mjs': script } }]);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('migration a/0001_promise');
    expect(run.stderr).toContain('rejected late');
  });
});
