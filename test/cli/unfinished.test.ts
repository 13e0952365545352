import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/**
 * Issue 15 #3: `modkit new` writes stubs. An unfinished stub is never applied, and every command
 * says the same about it: migrate, plan and status refuse to run (exit 2) naming the file and what
 * to do, validate reports it (exit 2), new and graph go on. Once written, it applies as any other,
 * with no drift.
 */
let project: FixtureProject;
afterEach(async () => project?.cleanup());

describe('unfinished migrations (stubs from modkit new)', () => {
  const setup = async () => {
    project = await createFixtureProject([
      {
        name: 'billing',
        system: true,
        migrations: { '0001_invoices.sql': 'CREATE TABLE invoices (id INTEGER PRIMARY KEY);' },
      },
    ]);
    const db = `sqlite:${join(project.dir, 'db.sqlite')}`;
    const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', db]);
    expect((await cli('migrate', '--only')).code).toBe(0);
    return { cli, dir: join(project.dir, 'modules', 'billing', 'migrations') };
  };

  it('a SQL stub: refused everywhere it would run, reported by validate, applied once written, without drift', async () => {
    const { cli, dir } = await setup();
    const created = await runCli(['new', 'billing', 'add refunds', '-c', project.configPath]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('Next: write the SQL of the up and of the down');

    for (const args of [['migrate', '--only'], ['plan'], ['status'], ['rollback', 'billing', '--dry-run']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(
        `migration 0002_add_refunds (${join(dir, '0002_add_refunds.up.sql')}) is unfinished: it holds only comments`,
      );
      expect(r.stderr).toContain(`Write its SQL (and the down in ${join(dir, '0002_add_refunds.down.sql')})`);
    }
    const validate = await cli('validate', '--json');
    expect(validate.code).toBe(2);
    expect(JSON.parse(validate.stdout).fileProblems.join('\n')).toContain('0002_add_refunds');
    expect((await runCli(['graph', '-c', project.configPath])).code).toBe(0);
    // A second stub numbers after the first.
    const second = await runCli(['new', 'billing', 'add index', '-c', project.configPath, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ id: '0003_add_index' });
    await rm(join(dir, '0003_add_index.up.sql'));
    await rm(join(dir, '0003_add_index.down.sql'));

    // Nothing of the stub was recorded: once written, it applies, and nothing counts as drift.
    await writeFile(
      join(dir, '0002_add_refunds.up.sql'),
      `${await readFile(join(dir, '0002_add_refunds.up.sql'), 'utf8')}CREATE TABLE refunds (id INTEGER PRIMARY KEY);\n`,
    );
    await writeFile(join(dir, '0002_add_refunds.down.sql'), 'DROP TABLE refunds;\n');
    const migrate = await cli('migrate', '--only');
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/billing\s+0002_add_refunds/);
    const status = await cli('status', '--exit-code');
    expect(status.code, status.stdout).toBe(0);
    expect((await cli('validate')).code).toBe(0);
  });

  it('a TypeScript stub keeps its marker line until it is written', async () => {
    const { cli, dir } = await setup();
    expect((await runCli(['new', 'billing', 'backfill', '--ts', '-c', project.configPath])).code).toBe(0);
    const file = join(dir, '0002_backfill.ts');
    const r = await cli('migrate', '--only');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `migration 0002_backfill (${file}) is unfinished: it still has the "modkit:unfinished" line`,
    );
    const written = (await readFile(file, 'utf8'))
      .split('\n')
      .filter((line) => !line.includes('modkit:unfinished'))
      .join('\n')
      .replace('// await db.schema.createTable', 'await db.schema.createTable');
    await writeFile(file, written);
    const migrate = await cli('migrate', '--only');
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/billing\s+0002_backfill/);
  });

  it('validate reports a down that holds only comments', async () => {
    const { cli, dir } = await setup();
    await writeFile(join(dir, '0002_x.up.sql'), 'CREATE TABLE x (id INTEGER);\n');
    await writeFile(join(dir, '0002_x.down.sql'), '-- billing 0002_x: down\n');
    const r = await cli('validate');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${join(dir, '0002_x.down.sql')} holds no SQL statement`);
  });
});
