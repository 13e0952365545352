import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import { createTarget, tableNames, type TestTarget } from '../support/engines.js';
import { installCopy } from '../support/install-copy.js';
import { startEmbedded, type RunningPostgres } from '../support/postgres.js';
import { runCli } from '../support/run-cli.js';

/**
 * The catalogue of bad inputs: each one gives a clear message, the documented exit code, no
 * stack trace, and leaves nothing half-applied.
 */
let project: FixtureProject;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  target = undefined;
});

const good: FixtureModule = { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } };

async function migrateIn(
  modules: readonly FixtureModule[],
  extraArgs: string[] = [],
  config: Record<string, unknown> = {},
) {
  project = await createFixtureProject(modules, config);
  const db = `${project.dir}/db.sqlite`;
  const result = await runCli([
    'migrate',
    '--only',
    '-c',
    project.configPath,
    '--database-url',
    `sqlite:${db}`,
    ...extraArgs,
  ]);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
  return { ...result, dbCreated: existsSync(db) };
}

describe('bad inputs', () => {
  it('malformed config: a syntax error (exit 2)', async () => {
    project = await createFixtureProject([good]);
    await project.write('modkit.config.mjs', 'export default { modules: [ ;');
    const r = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config file');
    expect(r.stderr).toContain('failed to load');
  });

  it('wrongly typed config values are all reported at once (exit 2)', async () => {
    const r = await migrateIn([good], [], {
      lockTimeoutMs: 'soon',
      modules: 'modules/*/module.mjs',
      database: 'sqlite:x',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"modules" must be an array');
    expect(r.stderr).toContain('"lockTimeoutMs" must be a non-negative number');
    expect(r.stderr).toContain('"database" must be an object');
  });

  it('unknown config keys get a did-you-mean (exit 2)', async () => {
    const r = await migrateIn([good], [], { lockTimeoutMS: 5 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown key "lockTimeoutMS" (did you mean "lockTimeoutMs"?)');
  });

  it('unknown CLI flags (exit 2)', async () => {
    const r = await migrateIn([good], ['--lock-timeot', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--lock-timeot'/);
    expect(r.stderr).toContain('--lock-timeout');
    expect(r.dbCreated).toBe(false);
    const json = await runCli(['migrate', '--only', '--json', '--bogus']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      modkit: 1,
      command: 'migrate',
      exitCode: 2,
      error: { kind: 'usage' },
    });
  });

  it('a module file that throws on import (exit 2)', async () => {
    const r = await migrateIn([good, { name: 'bad', source: "throw new Error('kaboom at import');\n" }]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kaboom at import');
    expect(r.stderr).toContain('modules/bad/module.mjs');
    expect(r.dbCreated).toBe(false);
  });

  it('a module file that exports no object (exit 2)', async () => {
    const r = await migrateIn([good, { name: 'bad', source: 'export default 42;\n' }]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('must default-export an object');
  });

  it('a missing migrations directory (exit 2)', async () => {
    const r = await migrateIn([
      good,
      { name: 'nodir', source: "export default { name: 'nodir', migrations: './nope' };\n" },
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/migrations directory .*nope does not exist/);
    expect(r.dbCreated).toBe(false);
  });

  it('an unreadable migration file (exit 2)', async () => {
    project = await createFixtureProject([good]);
    await symlink('/nonexistent/target.sql', project.migrationPath('core', '0002_dangling.sql'));
    const r = await runCli([
      'migrate',
      '--only',
      '-c',
      project.configPath,
      '--database-url',
      `sqlite:${project.dir}/db.sqlite`,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read migration');
    expect(r.stderr).toContain('0002_dangling.sql');
    expect(existsSync(`${project.dir}/db.sqlite`)).toBe(false);
  });

  it('an empty migration file (exit 2)', async () => {
    const r = await migrateIn([
      { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);', '0002_empty.sql': '  \n' } },
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/migration .*0002_empty.sql is empty/);
    expect(r.dbCreated).toBe(false);
  });

  it('a misnamed migration file is an error, not silently skipped (exit 2)', async () => {
    const r = await migrateIn([
      {
        name: 'core',
        migrations: { '0001_a.sql': 'SELECT 1;', 'add users.sql': 'SELECT 1;', 'README.md': '# docs', 'x.d.ts': '' },
      },
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"add users.sql" is not a valid migration file name');
    expect(r.stderr).not.toContain('README.md');
    expect(r.stderr).not.toContain('x.d.ts');
  });

  it('a TS migration without up: nothing is applied (exit 2)', async () => {
    const r = await migrateIn([
      good,
      { name: 'later', deps: ['core'], migrations: { '0001_x.mjs': 'export const down = async () => {};' } },
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not export an up(db) function');
    expect(r.stdout).not.toContain('0001_a');
  });

  it('a migration that throws (exit 1) names module, id and file', async () => {
    const r = await migrateIn([
      { name: 'core', migrations: { '0001_x.mjs': "export async function up() { throw new Error('exploded'); }" } },
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Migration core\/0001_x \(.*0001_x\.mjs\) failed: exploded/);
  });

  it('graph errors: cycle, unknown dependency, invalid name (exit 2, all at once)', async () => {
    const r = await migrateIn([
      { name: 'a', deps: ['b'] },
      { name: 'b', deps: ['a', 'cor'] },
      { name: 'core' },
      { name: 'Bad_Name', source: "export default { name: 'Bad_Name' };\n" },
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a -> b -> a');
    expect(r.stderr).toContain('(did you mean "core"?)');
    expect(r.stderr).toContain('Bad_Name');
  });

  it('a URL with an unknown scheme (exit 2)', async () => {
    project = await createFixtureProject([good]);
    const r = await runCli([
      'migrate',
      '--only',
      '-c',
      project.configPath,
      '--database-url',
      'mssql://root:hunter2@localhost/x',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown database URL scheme');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('a driver that is not installed (exit 2) says how to install it', async () => {
    project = await createFixtureProject([good]); // in the temp dir: no node_modules above it
    const copy = installCopy(project.dir);
    for (const [url, advice] of [
      ['postgres://app:hunter2@127.0.0.1:1/app', 'the PostgreSQL driver "pg" is not installed: run `npm install pg`'],
      [
        `sqlite:${project.dir}/db.sqlite`,
        'the SQLite driver "better-sqlite3" is not installed: run `npm install better-sqlite3`',
      ],
    ] as const) {
      const run = spawnSync(
        process.execPath,
        [copy.bin, 'migrate', '--only', '-c', project.configPath, '--database-url', url],
        {
          encoding: 'utf8',
          env: { ...process.env, MODKIT_DATABASE_URL: undefined },
        },
      );
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(advice);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).not.toContain('hunter2');
    }
  });

  it('an unreachable server (exit 5), password never printed', async () => {
    project = await createFixtureProject([good]);
    const r = await runCli([
      'migrate',
      '--only',
      '-c',
      project.configPath,
      '--database-url',
      'postgres://app:hunter2@127.0.0.1:1/app',
      '--json',
    ]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('cannot connect to postgres://app:***@127.0.0.1:1/app');
    expect(r.stdout + r.stderr).not.toContain('hunter2');
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 5, error: { kind: 'unreachable' } });
  });

  it('a database that does not exist (exit 5)', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([good]);
    const url = new URL(target.url);
    // The server's real password when it has one (embedded PostgreSQL); trust auth ignores this one.
    url.password ||= 'hunter2';
    url.pathname = '/no_such_database_here';
    const r = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', url.toString()]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('no_such_database_here');
    expect(r.stderr).toContain('create the database first');
    expect(r.stderr).not.toContain(url.password);
  });
});

describe('authentication', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startEmbedded();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a wrong password (exit 5), the password never printed', async () => {
    project = await createFixtureProject([good]);
    const url = new URL(server.url);
    url.password = 'definitely-wrong-pw';
    const r = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', url.toString()]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('password authentication failed');
    expect(r.stderr).toContain('check the user name and password');
    expect(r.stderr).not.toContain('definitely-wrong-pw');
    const ok = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', server.url]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('nothing half-applied after a bad input', () => {
  it('leaves the database untouched when the graph is broken', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject([good, { name: 'x', deps: ['nope'] }]);
    const r = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
    expect(r.code).toBe(2);
    expect(existsSync(target.file!) ? await tableNames(target) : []).toEqual([]);
  });
});
