import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, ENGINES, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/** Issue 11, item 5: input that used to be taken loosely is refused (exit 2), and nothing is created. */
let project: FixtureProject;
let target: TestTarget | undefined;
let cwd: string | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  if (cwd) await rm(cwd, { recursive: true, force: true });
  target = undefined;
  cwd = undefined;
});

const good = { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' } };
const embedded = () => join(project.dir, '.modkit');

describe('database URLs', () => {
  it('an unknown scheme is an error whatever the suffix: no ./http:/… file is created', async () => {
    project = await createFixtureProject([good]);
    cwd = await mkdtemp(join(tmpdir(), 'modkit-cwd-'));
    for (const url of ['http://example.com/foo.db', 's3://bucket/app.sqlite', 'HTTPS://example.com/x.sqlite3']) {
      const byFlag = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', url], { cwd });
      expect(byFlag.code, byFlag.stderr).toBe(2);
      expect(byFlag.stderr).toMatch(/unknown database URL scheme "\w+:"/);
      const byEnv = await runCli(['status', '-c', project.configPath], { cwd, env: { MODKIT_DATABASE_URL: url } });
      expect(byEnv.code, byEnv.stderr).toBe(2);
    }
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(embedded())).toBe(false);
  });

  it('mysql:// and mariadb:// are MariaDB/MySQL URLs: an unreachable one is exit 5, its password never printed', async () => {
    project = await createFixtureProject([good]);
    for (const url of ['mysql://root:Sq9pw@127.0.0.1:1/app', 'mariadb://root:Sq9pw@127.0.0.1:1/app']) {
      const r = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', url]);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toMatch(/cannot connect to (mysql|mariadb):\/\/root:\*\*\*@127\.0\.0\.1:1\/app/);
      expect(r.stderr).not.toContain('Sq9pw');
    }
  });

  it('--database-url "" is an error, never the embedded SQLite file', async () => {
    project = await createFixtureProject([good]);
    for (const value of ['', ' ']) {
      const r = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', value, '--json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error: --database-url is empty');
      expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 2, error: { kind: 'usage' } });
    }
    expect(existsSync(embedded())).toBe(false);
  });

  it('MODKIT_DATABASE_URL set but empty is an error unless --database-url overrides it; unset falls back as documented', async () => {
    project = await createFixtureProject([good]);
    const empty = await runCli(['migrate', '--only', '-c', project.configPath], { env: { MODKIT_DATABASE_URL: '' } });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('error: MODKIT_DATABASE_URL is set but empty');
    expect(existsSync(embedded())).toBe(false);
    const overridden = await runCli(
      ['migrate', '--only', '-c', project.configPath, '--database-url', `sqlite:${project.dir}/flag.sqlite`],
      {
        env: { MODKIT_DATABASE_URL: '' },
      },
    );
    expect(overridden.code, overridden.stderr).toBe(0);
    const unset = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(unset.code, unset.stderr).toBe(0);
    expect(unset.stdout).toContain('Using the embedded SQLite database');
    expect(existsSync(join(embedded(), 'modkit.sqlite'))).toBe(true);
  });

  it('database.url: process.env.X with X set but empty is an error naming the key', async () => {
    project = await createFixtureProject([good]);
    await project.write(
      'modkit.config.mjs',
      "export default { modules: ['modules/*/module.mjs'], database: { url: process.env.APP_DB } };\n",
    );
    const r = await runCli(['migrate', '--only', '-c', project.configPath], { env: { APP_DB: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"database.url" is empty');
    expect(existsSync(embedded())).toBe(false);
  });
});

describe.each(ENGINES)('a SQL migration that is not valid UTF-8, on %s', (engine) => {
  it('is refused before anything runs, naming the file and the byte offset', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      good,
      { name: 'latin', migrations: { '0001_ok.sql': 'CREATE TABLE ok (id INTEGER);' } },
    ]);
    const file = project.migrationPath('latin', '0002_cafe.sql');
    await writeFile(
      file,
      Buffer.concat([Buffer.from('-- prices\nCREATE TABLE caf'), Buffer.from([0xe9]), Buffer.from(' (id INTEGER);\n')]),
    );
    for (const command of [['migrate', '--only'], ['plan'], ['validate']]) {
      const r = await runCli([...command, '-c', project.configPath, '--database-url', target.url]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `${file} is not valid UTF-8: the sequence at byte offset 26 (line 2) is invalid (0xE9 0x20 0x28 0x69)`,
      );
    }
    expect(await tableNames(target)).toEqual([]);
    await writeFile(file, 'CREATE TABLE café (id INTEGER);\n');
    const fixed = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(await tableNames(target)).toContain('café');
  });
});
