/**
 * `--tx-mode all` keeps the lock timeout every transactional migration runs with (docs/safety.md):
 * a migration waiting for a lock another session holds gives up after `--db-lock-timeout`, and the
 * one transaction rolls back with everything in it. It used to wait as long as the holder held.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

let project: FixtureProject | undefined;
let target: TestTarget | undefined;
let holder: pg.Client | undefined;
afterEach(async () => {
  await holder?.end().catch(() => undefined);
  await project?.cleanup();
  await target?.dispose();
  project = target = holder = undefined;
});

describe('--tx-mode all on PostgreSQL', () => {
  it('gives up on a held lock after --db-lock-timeout and rolls back the whole run', async () => {
    target = await createTarget('postgres');
    await queryTarget(target, 'CREATE TABLE held (id int)');
    project = await createFixtureProject([
      {
        name: 'core',
        system: true,
        migrations: {
          '0001_first.sql': 'CREATE TABLE first_table (id int);',
          '0002_lock.sql': 'LOCK TABLE held IN ACCESS EXCLUSIVE MODE;',
        },
      },
    ]);
    holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE held IN ACCESS SHARE MODE');

    // Without the timeout this would wait until the holder lets go, which it does only after the run.
    const run = await runCli([
      'migrate',
      '--only',
      '--tx-mode',
      'all',
      '--db-lock-timeout',
      '500ms',
      '-c',
      project.configPath,
      '--url',
      target.url,
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/core\/0002_lock/);
    expect(run.stderr).toMatch(/lock timeout/i);
    // What it says is what happened: the timeout it ran with, tried once (no retries inside one transaction).
    expect(run.stderr).toContain('could not get a lock within its lock timeout of 500 ms');
    expect(run.stderr).toContain('It was rolled back and nothing after it ran');
    await holder.query('ROLLBACK');
    expect(await tableNames(target)).not.toContain('first_table');
  });
});
