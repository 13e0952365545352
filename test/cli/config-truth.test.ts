import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/**
 * Issue 19 §4: configuration that is never silently replaced. A setting modkit cannot read as
 * written is exit 2 naming where it is, never a run against a throwaway embedded SQLite file; no
 * value from an env file is printed; DATABASE_URL is used, and said to be, when nothing else names
 * the database to migrate.
 */
let project: FixtureProject;
afterEach(async () => project?.cleanup());

const SECRET = 'Hunter2Secret';
const setup = async (config: Record<string, unknown> = {}) => {
  project = await createFixtureProject(
    [{ name: 'core', system: true, migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);' } }],
    config,
  );
  return (name: string) => join(project.dir, name);
};
/** A config file that reads `process.env` itself, as most TypeScript configs do. */
const configReading = (body: string) =>
  project.write('modkit.config.mjs', `export default { modules: ['modules/*/module.mjs'], ${body} };\n`);
const embeddedDir = () => join(project.dir, '.modkit');
const usingLine = (stdout: string) => stdout.split('\n')[0];

describe('.env lines that cannot be read as written', () => {
  it('a UTF-16 .env as PowerShell writes it (BOM, CRLF) that sets MODKIT_DATABASE_URL: exit 2 naming file and line, nothing migrated', async () => {
    const at = await setup();
    const text = `# written by: echo ... > .env\r\nMODKIT_DATABASE_URL=postgres://app:${SECRET}@127.0.0.1:1/shop\r\n`;
    await writeFile(at('.env'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const r = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(`${at('.env')}:2 sets MODKIT_DATABASE_URL, which modkit reads, but the file is UTF-16`);
    expect(r.stderr).toContain('save it as UTF-8');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(existsSync(embeddedDir())).toBe(false);
  });

  it('an unclosed quote in the line that sets MODKIT_DATABASE_URL: exit 2 naming the line; the lines after it are still read', async () => {
    const at = await setup();
    await writeFile(at('.env'), `OTHER=1\nMODKIT_DATABASE_URL="sqlite:${at('app.sqlite')}\nLATER=2\n`);
    const r = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `${at('.env')}:2 sets MODKIT_DATABASE_URL, which modkit reads, but its opening " is never closed`,
    );
    expect(existsSync(embeddedDir())).toBe(false);
    expect(existsSync(at('app.sqlite'))).toBe(false);
  });

  it('a malformed line is never echoed: "DB URL=postgres://u:…@h/db" warns by line number when nothing reads DB_URL', async () => {
    const at = await setup();
    await writeFile(
      at('.env'),
      `# local\nDB URL=postgres://u:${SECRET}@h/db\nMODKIT_DATABASE_URL=sqlite:${at('app.sqlite')}\n`,
    );
    const r = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${at('.env')}:2 (DB URL): it is not KEY=value; ignored`);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain('postgres://u');
    expect(existsSync(at('app.sqlite'))).toBe(true);
  });

  it('… and is exit 2 when the config uses the variable it looks like it sets, by ${DB_URL} or by process.env.DB_URL', async () => {
    const at = await setup();
    await writeFile(at('.env'), `DB URL=postgres://u:${SECRET}@h/db\n`);
    for (const body of ["database: { url: '${DB_URL}' }", 'database: { url: process.env.DB_URL }']) {
      await configReading(body);
      const r = await runCli(['migrate', '--only', '-c', project.configPath]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `${at('.env')}:1 looks like it sets DB_URL, which the config reads, but it is not KEY=value`,
      );
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(existsSync(embeddedDir())).toBe(false);
    }
  });

  it('a URL that still holds ${VAR} after expansion (.env files are read as written) is exit 2, never a connection attempt', async () => {
    const at = await setup();
    await writeFile(at('.env'), 'MODKIT_DATABASE_URL=postgres://app@${DB_HOST}:5432/shop\n');
    const r = await runCli(['status', '-c', project.configPath]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(
      'error: MODKIT_DATABASE_URL: "postgres://app@${DB_HOST}:5432/shop" still holds ${DB_HOST}, a reference that nothing expanded',
    );
    // In the password, the reference is not named: it may be part of a real password.
    await writeFile(at('.env'), `MODKIT_DATABASE_URL=postgres://app:${SECRET}\${PW}@127.0.0.1/shop\n`);
    const hidden = await runCli(['status', '-c', project.configPath]);
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toContain('still holds an unexpanded ${…} reference in its password');
    expect(hidden.stdout + hidden.stderr).not.toContain(SECRET);
  });
});

describe('DATABASE_URL, runtime URLs and the embedded default', () => {
  it('DATABASE_URL names the database to migrate when nothing else does, and the first line says so', async () => {
    const at = await setup();
    const r = await runCli(['migrate', '--only', '-c', project.configPath], {
      env: { DATABASE_URL: `sqlite:${at('dbmate.sqlite')}` },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(usingLine(r.stdout)).toBe(`Using SQLite ${at('dbmate.sqlite')} (from DATABASE_URL)`);
    expect(existsSync(at('dbmate.sqlite'))).toBe(true);
    expect(existsSync(embeddedDir())).toBe(false);
    await writeFile(at('.env'), `DATABASE_URL=sqlite:${at('dbmate.sqlite')}\n`);
    const fromFile = await runCli(['plan', '-c', project.configPath]);
    expect(usingLine(fromFile.stdout)).toBe(`Using SQLite ${at('dbmate.sqlite')} (from DATABASE_URL in ${at('.env')})`);
    // Anything else that names the database wins over it.
    const env = await runCli(['plan', '-c', project.configPath], {
      env: { MODKIT_DATABASE_URL: `sqlite:${at('modkit.sqlite')}` },
    });
    expect(usingLine(env.stdout)).toBe(`Using SQLite ${at('modkit.sqlite')} (from MODKIT_DATABASE_URL)`);
  });

  it("DATABASE_URL that is the config's runtime.url is not migrated with: exit 2, nothing created", async () => {
    const at = await setup();
    await configReading('runtime: { url: process.env.DATABASE_URL }');
    const r = await runCli(['migrate', '--only', '-c', project.configPath], {
      env: { DATABASE_URL: `sqlite:${at('runtime.sqlite')}` },
    });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain("DATABASE_URL is the config's runtime URL");
    expect(r.stderr).toContain('migrations need their own URL');
    expect(existsSync(at('runtime.sqlite'))).toBe(false);
    expect(existsSync(embeddedDir())).toBe(false);
    // With a URL for migrations, both are as configured.
    const ok = await runCli(['migrate', '--only', '-c', project.configPath], {
      env: { DATABASE_URL: `sqlite:${at('runtime.sqlite')}`, MODKIT_DATABASE_URL: `sqlite:${at('admin.sqlite')}` },
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(at('admin.sqlite'))).toBe(true);
  });

  it('a runtime URL with no database to migrate is exit 2, never the throwaway embedded file; graph and validate --offline still work', async () => {
    const at = await setup({ runtime: { url: 'postgres://app@127.0.0.1:1/shop' } });
    const r = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(
      'the config sets runtime.url (the URL modules get at run time), but nothing names the database to migrate',
    );
    expect(existsSync(embeddedDir())).toBe(false);
    expect((await runCli(['graph', '-c', project.configPath])).code).toBe(0);
    expect((await runCli(['validate', '--offline', '-c', project.configPath])).code).toBe(0);
    expect(existsSync(at('.modkit'))).toBe(false);
  });

  it('modules left in the default database beside modules with their own are refused when no default is configured', async () => {
    project = await createFixtureProject(
      [
        { name: 'core', system: true, migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);' } },
        { name: 'audit', migrations: { '0001_b.sql': 'CREATE TABLE b (id INTEGER PRIMARY KEY);' } },
      ],
      { modulesConfig: { audit: { database: { url: 'sqlite:audit.sqlite' } } } },
    );
    const r = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(
      'module "core" has no database: the config gives "audit" a database of its own, but names no default database',
    );
    expect(existsSync(embeddedDir())).toBe(false);
    expect(existsSync(join(project.dir, 'audit.sqlite'))).toBe(false);
  });
});

describe('--url, --env and --env-file', () => {
  it('the first line names the flag as typed', async () => {
    const at = await setup();
    for (const flag of ['--url', '--database-url']) {
      const r = await runCli(['plan', '-c', project.configPath, flag, `sqlite:${at('x.sqlite')}`]);
      expect(usingLine(r.stdout)).toBe(`Using SQLite ${at('x.sqlite')} (from ${flag})`);
    }
  });

  it('--env NAME lays environments.NAME over the config; it wins over MODKIT_DATABASE_URL (and says so), --url wins over it', async () => {
    const at = await setup({
      database: { url: 'sqlite:dev.sqlite' },
      environments: {
        staging: { database: { url: 'sqlite:staging.sqlite' }, lockTimeoutMs: 1234 },
        production: { database: { url: '${PROD_URL}' } },
      },
    });
    const r = await runCli(['migrate', '--only', '-c', project.configPath, '--env', 'staging']);
    expect(r.code, r.stderr).toBe(0);
    expect(usingLine(r.stdout)).toBe(`Using SQLite ${at('staging.sqlite')} (from environments.staging in the config)`);
    expect(existsSync(at('staging.sqlite'))).toBe(true);
    expect(existsSync(at('dev.sqlite'))).toBe(false);
    const shadowed = await runCli(['plan', '-c', project.configPath, '--env', 'staging'], {
      env: { MODKIT_DATABASE_URL: `sqlite:${at('env.sqlite')}` },
    });
    expect(usingLine(shadowed.stdout)).toBe(
      `Using SQLite ${at('staging.sqlite')} (from environments.staging in the config; MODKIT_DATABASE_URL is set but not used)`,
    );
    const flagged = await runCli([
      'plan',
      '-c',
      project.configPath,
      '--env',
      'staging',
      '--url',
      `sqlite:${at('flag.sqlite')}`,
    ]);
    expect(usingLine(flagged.stdout)).toBe(`Using SQLite ${at('flag.sqlite')} (from --url)`);
    const unset = await runCli(['plan', '-c', project.configPath, '--env', 'production']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain(
      '"environments.production.database.url" uses ${PROD_URL}, but the environment variable PROD_URL is not set',
    );
  });

  it('an unknown --env is exit 2 with a suggestion; a config without environments says so', async () => {
    await setup({ environments: { staging: { database: { url: 'sqlite:staging.sqlite' } } } });
    const r = await runCli(['plan', '-c', project.configPath, '--env', 'stagign']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--env stagign: ');
    expect(r.stderr).toContain('defines no environment "stagign" (did you mean "staging"?) (it defines staging)');
    await project.cleanup();
    await setup();
    const none = await runCli(['plan', '-c', project.configPath, '--env', 'prod']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('defines no environments');
  });

  it('--env-file is refused with why (Node reads it itself); --dotenv is the option', async () => {
    const at = await setup();
    await writeFile(at('staging.env'), `MODKIT_DATABASE_URL=sqlite:${at('staging.sqlite')}\n`);
    const r = await runCli(['plan', '-c', project.configPath, '--env-file', at('staging.env')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--env-file is Node's own option, not modkit's");
    expect(r.stderr).toContain('Use --dotenv PATH');
    const help = await runCli(['migrate', '--help']);
    expect(help.stdout).not.toContain('--env-file');
    expect(help.stdout).toContain('--dotenv <path>');
    expect(help.stdout).toContain('--env <name>');
  });
});
