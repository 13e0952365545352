/**
 * User code that ends the process during a run (process.exit(0) in a migration or a hook) must
 * never look like success: exit 1, naming what was running, keeping what had committed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import {
  createTarget,
  ENGINES,
  hasTransactionalDdl,
  queryTarget,
  tableNames,
  type TestTarget,
} from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

describe.each(ENGINES)('process.exit(0) from user code on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it('in a migration: exit 1 naming it, the migrations before it committed, it not recorded', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_a.sql': 'CREATE TABLE a (x INTEGER);',
          '0002_b.sql': 'CREATE TABLE b (x INTEGER);',
          '0003_exit.mjs': `export async function up(db) {
  await db.schema.createTable('c', (t) => t.integer('x'));
  process.exit(0);
}`,
        },
      },
    ]);
    const r = await runCli(['migrate', '--only', '--json', '-c', project.configPath, '--database-url', target.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'the process was ended by user code (process.exit(0) or the like) while running migration core/0003_exit',
    );
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      command: 'migrate',
      exitCode: 1,
      error: { kind: 'user-exit', during: 'migration core/0003_exit' },
    });
    const rows = await queryTarget<{ version: string; state: string }>(
      target,
      `SELECT version, state FROM ${await historyTableName('core')} ORDER BY version`,
    );
    const tables = await tableNames(target);
    expect(tables).toEqual(expect.arrayContaining(['a', 'b']));
    if (!hasTransactionalDdl(engine)) {
      // CREATE TABLE c committed implicitly, and with it the migration's `started` row: dirty.
      expect(rows).toEqual([
        { version: '0001_a', state: 'applied' },
        { version: '0002_b', state: 'applied' },
        { version: '0003_exit', state: 'started' },
      ]);
      expect(tables).toContain('c');
      return;
    }
    expect(rows.map((x) => x.version)).toEqual(['0001_a', '0002_b']);
    expect(tables).not.toContain('c');
  });

  it('in a preInit hook: exit 1 naming the hook, nothing migrated', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      {
        name: 'platform',
        system: true,
        migrations: { '0001_a.sql': 'CREATE TABLE a (x INTEGER);' },
        extra: 'preInit() { process.exit(0); },',
      },
    ]);
    const r = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('while running the pre_init hook of module "platform"');
    expect(await tableNames(target)).not.toContain('a');
  });
});
