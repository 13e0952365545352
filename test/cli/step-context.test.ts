/**
 * Only script steps run inside the AsyncLocalStorage context that blames late errors on their
 * migration (src/execute/script-work.ts): a SQL step runs no user code, and a run of SQL files
 * never turns on Node's promise hooks, whose price every promise of the run would pay (−7 % of the
 * instructions of a 200-migration SQLite apply, −9 % on PostgreSQL: docs/performance.md).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { BIN } from '../support/run-cli.js';

let project: FixtureProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** Counts AsyncLocalStorage#run calls that carry a migration (the CLI's bundle uses node:async_hooks). */
const COUNT_RUNS = `
import { AsyncLocalStorage } from 'node:async_hooks';
const run = AsyncLocalStorage.prototype.run;
let steps = 0;
AsyncLocalStorage.prototype.run = function (store, ...rest) {
  if (store && typeof store === 'object' && 'module' in store && 'id' in store) steps += 1;
  return run.call(this, store, ...rest);
};
process.on('exit', () => process.stderr.write('step-contexts=' + steps + '\\n'));
`;

describe('the late-error context of a step', () => {
  it('is entered for each script migration and for no SQL migration', async () => {
    project = await createFixtureProject([
      {
        name: 'core',
        system: true,
        migrations: {
          '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);',
          '0002_b.sql': 'CREATE TABLE b (id INTEGER PRIMARY KEY);',
          '0003_c.mjs':
            "export async function up(db) {\n  await db.raw('CREATE TABLE c (id INTEGER PRIMARY KEY)');\n}\n",
          '0004_d.sql': 'CREATE TABLE d (id INTEGER PRIMARY KEY);',
        },
      },
    ]);
    const url = `sqlite:${join(project.dir, 'db.sqlite')}`;
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(COUNT_RUNS)}`,
        BIN,
        'migrate',
        '--only',
        '-c',
        project.configPath,
        '--url',
        url,
      ],
      { encoding: 'utf8', env: { ...process.env, MODKIT_DATABASE_URL: undefined } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Applied 4 migrations');
    expect(run.stderr).toContain('step-contexts=1');
  });
});
