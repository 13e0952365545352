import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';
import { pgUrl } from '../support/postgres.js';
import { runCli } from '../support/run-cli.js';

let project: FixtureProject;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  target = undefined;
});

describe('modkit validate', () => {
  it('offline: finds files that hold no statement, and a script without up, without touching any database', async () => {
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_a.sql': 'CREATE TABLE a (id INTEGER);',
          '0002_comments.sql': '-- only a comment\n/* and another */\n',
        },
      },
      { name: 'users', deps: ['core'], migrations: { '0001_u.mjs': 'export const down = async () => {};' } },
    ]);
    const r = await runCli([
      'validate',
      '--offline',
      '-c',
      project.configPath,
      '--database-url',
      'postgres://nobody@127.0.0.1:1/none',
      '--json',
    ]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ command: 'validate', exitCode: 2, online: { checked: false, reason: '--offline' } });
    expect(doc.fileProblems.join('\n')).toMatch(
      /migration 0002_comments \(.*0002_comments\.sql\) is unfinished: it holds only comments/,
    );
    expect(doc.fileProblems.join('\n')).toContain('does not export an up(db) function');
  });

  it('with a database that does not answer: the files are checked, then exit 5; --offline checks the files only and says so (issue 19 §4)', async () => {
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } },
    ]);
    const refused = await runCli([
      'validate',
      '-c',
      project.configPath,
      '--database-url',
      'postgres://nobody:pw@127.0.0.1:1/none',
    ]);
    expect(refused.code).toBe(5);
    expect(refused.stdout).toContain('Checked 1 module and 1 migration: graph, names, ids and files.');
    expect(refused.stdout).toContain('Database not reached: cannot connect to postgres://nobody:***@127.0.0.1:1/none');
    expect(refused.stdout.trimEnd().split('\n').at(-1)).toBe(
      'Not valid: the database was not reached (check the URL, or pass --offline to check the files only).',
    );
    expect(refused.stdout).not.toContain('Valid.');
    const offline = await runCli([
      'validate',
      '--offline',
      '-c',
      project.configPath,
      '--database-url',
      'postgres://nobody:pw@127.0.0.1:1/none',
    ]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain(
      'Database not checked (--offline): drift, missing, dirty and out-of-order were not looked for.',
    );
    expect(offline.stdout.trimEnd().split('\n').at(-1)).toBe('Valid.');
  });

  it('a typo in the database name of a server that answers is exit 5 too, in --json as well', async () => {
    project = await createFixtureProject([
      { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } },
    ]);
    const typo = new URL(pgUrl());
    typo.pathname = '/does_not_exist_modkit';
    const r = await runCli(['validate', '-c', project.configPath, '--url', typo.href, '--json']);
    expect(r.code, r.stderr).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 5, online: { checked: false, unreachable: true } });
    expect(JSON.parse(r.stdout).online.reason).toContain('does_not_exist_modkit');
  });

  it.each(ENGINES)(
    'online on %s: drift is exit 4, --allow-drift accepts it, and nothing is written',
    async (engine) => {
      target = await createTarget(engine);
      project = await createFixtureProject([
        { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } },
      ]);
      expect((await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url])).code).toBe(
        0,
      );
      await project.write('modules/core/migrations/0001_a.sql', 'CREATE TABLE a (id INTEGER, b INTEGER);');
      await project.write('modules/core/migrations/0002_b.sql', 'CREATE TABLE b (id INTEGER);');
      const r = await runCli(['validate', '-c', project.configPath, '--database-url', target.url]);
      expect(r.code).toBe(4);
      expect(r.stdout).toContain('problem [drift] module "core": migration 0001_a');
      expect(r.stdout).toContain('1 pending migration');
      // Drift names the fix that is right for it, and the output ends with a verdict (issue 23 #4).
      expect(r.stdout).toContain(
        'If only comments or layout changed, record the new checksum with `modkit repair --module core`',
      );
      expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
        'Not valid: 1 database problem (drift) that migrate would refuse.',
      );
      const migrate = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
      expect(migrate.code).toBe(4);
      expect(migrate.stderr).toContain('`modkit repair --module core`');
      const allowed = await runCli([
        'validate',
        '--allow-drift',
        '-c',
        project.configPath,
        '--database-url',
        target.url,
      ]);
      expect(allowed.code).toBe(0);
      expect(allowed.stdout).toContain('(allowed)');
      const status = await runCli(['status', '--json', '-c', project.configPath, '--database-url', target.url]);
      expect(JSON.parse(status.stdout).modules[0].pending).toEqual(['0002_b']);
    },
  );
});
