import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/**
 * Issue 15 #10: the conventions of knex, dbmate, Flyway users: `--url`, a `.env` beside the config
 * (or `--dotenv PATH`) so URLs need not be exported by hand, and what wins over what:
 * defaults < config file < environment (a variable set in it wins over .env) < flags.
 */
let project: FixtureProject;
afterEach(async () => project?.cleanup());

const setup = async (config: Record<string, unknown> = {}) => {
  project = await createFixtureProject(
    [{ name: 'core', system: true, migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);' } }],
    config,
  );
  return (name: string) => join(project.dir, name);
};
const usingLine = (stdout: string) => stdout.split('\n')[0];

describe('--url, .env and --dotenv', () => {
  it('a .env beside the config sets MODKIT_DATABASE_URL, and says so', async () => {
    const at = await setup();
    await writeFile(at('.env'), `# local settings\nMODKIT_DATABASE_URL=sqlite:${at('from-dotenv.sqlite')}\n`);
    const r = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(r.code, r.stderr).toBe(0);
    expect(usingLine(r.stdout)).toBe(
      `Using SQLite ${at('from-dotenv.sqlite')} (from MODKIT_DATABASE_URL in ${at('.env')})`,
    );
  });

  it('the real environment wins over .env; --url wins over both; --database-url is the same flag', async () => {
    const at = await setup();
    await writeFile(at('.env'), `MODKIT_DATABASE_URL=sqlite:${at('from-dotenv.sqlite')}\n`);
    const env = await runCli(['plan', '-c', project.configPath], {
      env: { MODKIT_DATABASE_URL: `sqlite:${at('from-env.sqlite')}` },
    });
    expect(usingLine(env.stdout)).toBe(`Using SQLite ${at('from-env.sqlite')} (from MODKIT_DATABASE_URL)`);
    for (const flag of ['--url', '--database-url']) {
      const r = await runCli(['plan', '-c', project.configPath, flag, `sqlite:${at('from-flag.sqlite')}`], {
        env: { MODKIT_DATABASE_URL: `sqlite:${at('from-env.sqlite')}` },
      });
      expect(usingLine(r.stdout)).toBe(`Using SQLite ${at('from-flag.sqlite')} (from ${flag})`);
    }
  });

  it('.env fills in what the config file reads from process.env', async () => {
    const at = await setup();
    await writeFile(
      at('modkit.config.mjs'),
      "export default { modules: ['modules/*/module.mjs'], database: { url: process.env.APP_DB } };\n",
    );
    await writeFile(at('.env'), `APP_DB=sqlite:${at('app.sqlite')}\n`);
    const r = await runCli(['plan', '-c', project.configPath]);
    expect(usingLine(r.stdout)).toBe(`Using SQLite ${at('app.sqlite')} (from the config)`);
  });

  it('--dotenv replaces the .env beside the config; a later file wins over an earlier one; a missing one is exit 2', async () => {
    const at = await setup();
    await writeFile(at('.env'), `MODKIT_DATABASE_URL=sqlite:${at('dotenv.sqlite')}\n`);
    await writeFile(at('staging.env'), `MODKIT_DATABASE_URL=sqlite:${at('staging.sqlite')}\n`);
    await writeFile(at('override.env'), `MODKIT_DATABASE_URL=sqlite:${at('override.sqlite')}\n`);
    const one = await runCli(['plan', '-c', project.configPath, '--dotenv', at('staging.env')]);
    expect(usingLine(one.stdout)).toBe(
      `Using SQLite ${at('staging.sqlite')} (from MODKIT_DATABASE_URL in ${at('staging.env')})`,
    );
    const two = await runCli([
      'plan',
      '-c',
      project.configPath,
      '--dotenv',
      at('staging.env'),
      '--dotenv',
      at('override.env'),
    ]);
    expect(usingLine(two.stdout)).toContain(at('override.sqlite'));
    const missing = await runCli(['plan', '-c', project.configPath, '--dotenv', at('nope.env')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`error: env file ${at('nope.env')} does not exist`);
    // Why not --env-file: Node itself checks an --env-file path anywhere on the command line, and a
    // missing one ends the process before modkit runs (docs/configuration.md).
    const trap = await runCli(['plan', '-c', project.configPath, '--env-file', at('nope.env')]);
    expect(trap.code).toBe(9);
    expect(trap.stderr).toContain(`node: ${at('nope.env')}: not found`);
  });

  it('--help shows examples, the environment it reads and the precedence', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:\n  $ modkit migrate --only');
    expect(r.stdout).toContain('MODKIT_DATABASE_URL');
    expect(r.stdout).toContain(
      'Precedence: defaults < config file < environment (completed from .env) < --env NAME < flags.',
    );
    const migrate = await runCli(['migrate', '--help']);
    expect(migrate.stdout).toMatch(/--url, --database-url <url>/);
    expect(migrate.stdout).toContain('--dotenv <path>');
    expect(migrate.stdout).not.toContain('--env-file');
  });
});
