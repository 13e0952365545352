/** `modkit lint` in CI: --format github|json, --since <git-ref>, --engine postgres, and the counts outputs end with. */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/** lint connects to nothing: the URL only names the engine. */
const PG_URL = 'postgres://nobody@127.0.0.1:1/never_connected';

let project: FixtureProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const FILES = {
  '0001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, balance int, email text);\n',
  '0002_index.sql': 'CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n',
  '0003_widen.sql': [
    '-- modkit:lint-ignore table-rewrite accounts holds 12 rows',
    'ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;',
    "DO $$ BEGIN EXECUTE format('ANALYZE %I', 'accounts'); END $$;\n",
  ].join('\n'),
};

describe('modkit lint --format', () => {
  it('github: one workflow command per finding, escaped, the file relative to the job directory; the summary last', async () => {
    project = await createFixtureProject([{ name: 'billing', migrations: FILES }], { database: { url: PG_URL } });
    const run = await runCli(['lint', '--format', 'github'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout.trim().split('\n')).toEqual([
      expect.stringContaining(
        '::error file=modules/billing/migrations/0002_index.sql,line=1,title=modkit lint%3A needs-no-transaction::' +
          'billing/0002_index: CREATE INDEX CONCURRENTLY cannot run inside a transaction',
      ),
      expect.stringContaining(
        '::notice file=modules/billing/migrations/0003_widen.sql,line=3,title=modkit lint%3A not-analysed::' +
          'billing/0003_widen: in the DO block at line 3: ' +
          "EXECUTE of a computed string (format('ANALYZE %25I', 'accounts'))",
      ),
      '1 error, 0 warnings, 1 info, 1 ignored in 3 migrations of 1 module (needs-no-transaction 1, not-analysed 1).',
    ]);
  });

  it('json: the --json document', async () => {
    project = await createFixtureProject([{ name: 'billing', migrations: FILES }], { database: { url: PG_URL } });
    const run = await runCli(['lint', '--format', 'json', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(4);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      command: 'lint',
      exitCode: 4,
      summary: {
        linted: 3,
        errors: 1,
        warnings: 0,
        infos: 1,
        ignored: 1,
        byRule: { 'needs-no-transaction': 1, 'not-analysed': 1 },
      },
    });
    expect(doc.findings.map((f: { rule: string }) => f.rule)).toEqual([
      'needs-no-transaction',
      'table-rewrite',
      'not-analysed',
    ]);
  });
});

describe('modkit lint --since', () => {
  const git = (dir: string, ...args: string[]) =>
    execFileSync(
      'git',
      ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args],
      { stdio: 'pipe' },
    ).toString();

  it('reports only the files added or changed since the ref; the others still give the schema', async () => {
    project = await createFixtureProject(
      [
        {
          name: 'billing',
          migrations: {
            '0001_accounts.sql': FILES['0001_accounts.sql'],
            '0002_old.sql': 'CREATE INDEX accounts_id ON accounts (id);\n',
          },
        },
      ],
      {
        database: { url: PG_URL },
      },
    );
    git(project.dir, 'init', '-q');
    git(project.dir, 'add', '.');
    git(project.dir, 'commit', '-qm', 'base');
    await project.write(
      'modules/billing/migrations/0003_new.sql',
      'ALTER TABLE accounts ALTER COLUMN balance TYPE text;\n',
    );
    const run = await runCli(['lint', '--since', 'HEAD', '-c', project.configPath], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('0002_old');
    // The column's type comes from 0001, which is unchanged and not reported.
    expect(run.stdout).toMatch(
      /0003_new\.sql:1 {2}warn {2}table-rewrite {2}ALTER COLUMN balance TYPE text \(from integer\)/,
    );
    expect(run.stdout).toContain('Since HEAD: 2 unchanged migrations read for the schema, not reported.');
    expect(run.stdout).toContain('0 errors, 1 warning in 1 migration of 1 module (table-rewrite 1).');

    const unknown = await runCli(['lint', '--since', 'no-such-branch', '-c', project.configPath], { cwd: project.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'lint --since no-such-branch: git cannot tell which files changed since "no-such-branch"',
    );
    expect(unknown.stderr).toContain('"no-such-branch" names no commit of this repository');
  });
});

describe('modkit lint --engine', () => {
  it('lints modules no URL names as PostgreSQL; a URL that names another engine is exit 2', async () => {
    project = await createFixtureProject([
      {
        name: 'billing',
        migrations: {
          '0001_accounts.sql': FILES['0001_accounts.sql'],
          '0002_index.sql': 'CREATE INDEX accounts_id ON accounts (id);\n',
        },
      },
    ]);
    const embedded = await runCli(['lint', '-c', project.configPath]);
    expect(embedded.code, embedded.stderr).toBe(0);
    expect(embedded.stdout).toContain('PostgreSQL rules only: 2 migrations of module billing (SQLite) not linted.');
    const asPostgres = await runCli(['lint', '--engine', 'postgres', '-c', project.configPath]);
    expect(asPostgres.code, asPostgres.stderr).toBe(0);
    expect(asPostgres.stdout).toContain('0 errors, 1 warning in 2 migrations of 1 module (index-not-concurrent 1).');
    const conflict = await runCli([
      'lint',
      '--engine',
      'postgres',
      '--url',
      'sqlite:other.db',
      '-c',
      project.configPath,
    ]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('--engine postgres: the database URL (from the flag) names SQLite');
  });
});

describe('outputs that list warnings end with their counts', () => {
  it('validate counts the marker warnings and the lint findings per rule', async () => {
    project = await createFixtureProject(
      [
        {
          name: 'billing',
          migrations: {
            '0001_accounts.sql': `-- flyway:executeInTransaction=false\n${FILES['0001_accounts.sql']}`,
            '0002_index.sql': 'CREATE INDEX accounts_id ON accounts (id);\n',
          },
        },
      ],
      { database: { url: PG_URL } },
    );
    const run = await runCli(['validate', '--offline', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      '"-- flyway:executeInTransaction=false" looks like an instruction to a migration tool',
    );
    expect(run.stdout).toContain('1 marker warning: comments modkit does not act on.');
    expect(run.stdout).toContain(
      'Lint (PostgreSQL rules): 0 errors, 1 warning in 2 migrations of 1 module (index-not-concurrent 1).',
    );
  });
});
