import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';
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
      { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);', '0002_comments.sql': '-- only a comment\n/* and another */\n' } },
      { name: 'users', deps: ['core'], migrations: { '0001_u.mjs': 'export const down = async () => {};' } },
    ]);
    const r = await runCli(['validate', '--offline', '-c', project.configPath, '--database-url', 'postgres://nobody@127.0.0.1:1/none', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ command: 'validate', exitCode: 2, online: { checked: false, reason: '--offline' } });
    expect(doc.fileProblems.join('\n')).toMatch(/migration 0002_comments \(.*0002_comments\.sql\) is unfinished: it holds only comments/);
    expect(doc.fileProblems.join('\n')).toContain('does not export an up(db) function');
  });

  it('with an unreachable database, checks the files and says the database was not checked', async () => {
    project = await createFixtureProject([{ name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } }]);
    const r = await runCli(['validate', '-c', project.configPath, '--database-url', 'postgres://nobody:pw@127.0.0.1:1/none']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Database not checked: cannot connect to postgres://nobody:***@127.0.0.1:1/none');
  });

  it.each(ENGINES)('online on %s: drift is exit 4, --allow-drift accepts it, and nothing is written', async (engine) => {
    target = await createTarget(engine);
    project = await createFixtureProject([{ name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } }]);
    expect((await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url])).code).toBe(0);
    await project.write('modules/core/migrations/0001_a.sql', 'CREATE TABLE a (id INTEGER, b INTEGER);');
    await project.write('modules/core/migrations/0002_b.sql', 'CREATE TABLE b (id INTEGER);');
    const r = await runCli(['validate', '-c', project.configPath, '--database-url', target.url]);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('problem [drift] module "core": migration 0001_a');
    expect(r.stdout).toContain('1 pending migration');
    const allowed = await runCli(['validate', '--allow-drift', '-c', project.configPath, '--database-url', target.url]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('(allowed)');
    const status = await runCli(['status', '--json', '-c', project.configPath, '--database-url', target.url]);
    expect(JSON.parse(status.stdout).modules[0].pending).toEqual(['0002_b']);
  });
});
