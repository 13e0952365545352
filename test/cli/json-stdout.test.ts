import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli, startCli } from '../support/run-cli.js';

/**
 * Issue 15 #2: under --json, stdout is the JSON document and nothing else, whatever user code
 * prints while the CLI runs it: a module file when it loads, a preInit hook (it has no logger), a
 * migration, an init hook. Their lines go to stderr.
 */
let project: FixtureProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const chatty = () =>
  createFixtureProject([
    {
      name: 'core',
      system: true,
      source: `console.log('module file of core loaded');
export default {
  name: 'core',
  system: true,
  migrations: './migrations',
  preInit() { console.log('preInit of core says hello'); console.info('info from preInit'); },
  init() { process.stdout.write('init of core writes to stdout\\n'); },
};
`,
      migrations: {
        '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);',
        '0002_b.mjs':
          "export async function up(db) { console.log('migration 0002_b runs'); await db.raw('CREATE TABLE b (id INTEGER PRIMARY KEY)'); }\n",
      },
    },
  ]);

describe('--json keeps stdout for the document', () => {
  it('migrate --only: console.log from a module file, preInit and a migration go to stderr', async () => {
    project = await chatty();
    const r = await runCli([
      'migrate',
      '--only',
      '--json',
      '-c',
      project.configPath,
      '--database-url',
      `sqlite:${join(project.dir, 'db.sqlite')}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'migrate', exitCode: 0, summary: { applied: 2 } });
    for (const line of [
      'module file of core loaded',
      'preInit of core says hello',
      'info from preInit',
      'migration 0002_b runs',
    ])
      expect(r.stderr).toContain(line);
  });

  it('status and a failing command: still one document on stdout', async () => {
    project = await chatty();
    const status = await runCli([
      'status',
      '--json',
      '-c',
      project.configPath,
      '--database-url',
      `sqlite:${join(project.dir, 'db.sqlite')}`,
    ]);
    expect(JSON.parse(status.stdout)).toMatchObject({ command: 'status', exitCode: 0 });
    expect(status.stderr).toContain('module file of core loaded');
    const failing = await runCli([
      'migrate',
      '--only',
      '--json',
      '-c',
      project.configPath,
      '--database-url',
      'postgres://nobody@127.0.0.1:1/none',
    ]);
    expect(failing.code).toBe(5);
    expect(JSON.parse(failing.stdout)).toMatchObject({ exitCode: 5, error: { kind: 'unreachable' } });
  });

  it('run: an init hook writing to process.stdout does not break the document', async () => {
    project = await chatty();
    const cli = startCli([
      'run',
      '--json',
      '-c',
      project.configPath,
      '--database-url',
      `sqlite:${join(project.dir, 'db.sqlite')}`,
    ]);
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGTERM');
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'run', exitCode: 0, lifecycle: { outcome: 'stopped' } });
    expect(r.stderr).toContain('init of core writes to stdout');
  });

  it('without --json, user output stays on stdout where the user put it', async () => {
    project = await chatty();
    const r = await runCli([
      'migrate',
      '--only',
      '-c',
      project.configPath,
      '--database-url',
      `sqlite:${join(project.dir, 'db.sqlite')}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('preInit of core says hello');
    expect(r.stdout).toContain('Applied 2 migrations in 1 module');
  });
});
