import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/** `modkit lint` connects to nothing: this URL only says the default database is PostgreSQL. */
const PG_URL = 'postgres://nobody@127.0.0.1:1/never_connected';

let project: FixtureProject | undefined;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  project = undefined;
  target = undefined;
});

/** billing (PostgreSQL, SQL and a script), audit (its own SQLite database). */
async function mixedProject(config: Record<string, unknown> = {}): Promise<FixtureProject> {
  return createFixtureProject(
    [
      {
        name: 'billing',
        migrations: {
          '0001_invoices.sql':
            'CREATE TABLE invoices (id bigint PRIMARY KEY, status text);\nCREATE INDEX invoices_status ON invoices (status);\n',
          '0002_status_index.sql': '-- a live table\nCREATE INDEX CONCURRENTLY invoices_total ON invoices (total);\n',
          '0003_drop.sql':
            '-- modkit:lint-ignore destructive nothing reads legacy_invoices since v2\nDROP TABLE legacy_invoices;\nCREATE INDEX invoices_due ON invoices (due);\n',
          '0004_backfill.mjs': 'export async function up(db) {}\n',
        },
      },
      { name: 'audit', migrations: { '0001_events.sql': 'DROP TABLE events;\n', '0002_more.sql': 'SELECT 1;\n' } },
    ],
    { database: { url: PG_URL }, modulesConfig: { audit: { database: { url: 'sqlite:audit.sqlite' } } }, ...config },
  );
}

describe('modkit lint', () => {
  it('prints findings grouped by module, notes what it skips, and exits 4 on an error', async () => {
    project = await mixedProject();
    const run = await runCli(['lint', '-c', project.configPath], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(4);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      'billing',
      expect.stringMatching(
        /^ {2}0002_status_index {2}modules\/billing\/migrations\/0002_status_index\.sql:2 {2}error {2}needs-no-transaction {2}CREATE INDEX CONCURRENTLY cannot run inside a transaction.*-- modkit:no-transaction$/,
      ),
      expect.stringMatching(
        /^ {2}0003_drop {2}modules\/billing\/migrations\/0003_drop\.sql:2 {2}ignored {2}destructive {2}DROP TABLE legacy_invoices .*\(ignored at line 1: nothing reads legacy_invoices since v2\)$/,
      ),
      expect.stringMatching(
        /^ {2}0003_drop {2}modules\/billing\/migrations\/0003_drop\.sql:3 {2}warn {2}index-not-concurrent {2}CREATE INDEX on "invoices" blocks writes/,
      ),
      'PostgreSQL rules only: 2 migrations of module audit (SQLite) not linted.',
      'Not linted: 1 script migration of module billing (0004_backfill): TS/JS migrations are only known when they run.',
      '1 error, 1 warning, 1 ignored in 3 migrations of 1 module (index-not-concurrent 1, needs-no-transaction 1).',
    ]);
  });

  it('--json: one document with every finding, the ignored ones with their reason', async () => {
    project = await mixedProject();
    const run = await runCli(['lint', '--json', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(4);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      modkit: 1,
      command: 'lint',
      exitCode: 4,
      summary: {
        linted: 3,
        errors: 1,
        warnings: 1,
        infos: 0,
        ignored: 1,
        byRule: { 'index-not-concurrent': 1, 'needs-no-transaction': 1 },
      },
    });
    expect(doc.findings).toEqual([
      expect.objectContaining({
        module: 'billing',
        id: '0002_status_index',
        line: 2,
        rule: 'needs-no-transaction',
        severity: 'error',
        ignored: null,
      }),
      expect.objectContaining({
        id: '0003_drop',
        line: 2,
        rule: 'destructive',
        severity: 'warn',
        ignored: { reason: 'nothing reads legacy_invoices since v2', scope: 'file', line: 1 },
      }),
      expect.objectContaining({
        id: '0003_drop',
        line: 3,
        rule: 'index-not-concurrent',
        severity: 'warn',
        ignored: null,
      }),
    ]);
    expect(doc.findings[0].file).toBe(project.migrationPath('billing', '0002_status_index.sql'));
    expect(doc.notLinted).toEqual([
      { module: 'audit', reason: 'engine', engine: 'SQLite', ids: ['0001_events', '0002_more'] },
      { module: 'billing', reason: 'script', engine: 'PostgreSQL', ids: ['0004_backfill'] },
    ]);
  });

  it('severities come from lint.rules: warnings alone exit 0, a rule made an error exits 4, off drops it', async () => {
    project = await mixedProject({ lint: { rules: { 'needs-no-transaction': 'warn' } } });
    const warnOnly = await runCli(['lint', '-c', project.configPath]);
    expect(warnOnly.code, warnOnly.stderr).toBe(0);
    expect(warnOnly.stdout).toContain(
      '0 errors, 2 warnings, 1 ignored in 3 migrations of 1 module (index-not-concurrent 1, needs-no-transaction 1).',
    );

    await project.write(
      'modkit.config.mjs',
      `export default ${JSON.stringify({ modules: ['modules/*/module.mjs'], database: { url: PG_URL }, lint: { rules: { 'needs-no-transaction': 'off', 'index-not-concurrent': 'error' } } })};\n`,
    );
    const strict = await runCli(['lint', '-c', project.configPath]);
    expect(strict.code, strict.stderr).toBe(4);
    expect(strict.stdout).toMatch(/0003_drop\.sql:3 {2}error {2}index-not-concurrent/);
    expect(strict.stdout).not.toContain('needs-no-transaction');
  });

  it('an unknown rule in lint.rules is a config error (exit 2) with a did-you-mean', async () => {
    project = await mixedProject({ lint: { rules: { destructiv: 'off' } } });
    const run = await runCli(['lint', '-c', project.configPath]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown lint rule "lint.rules.destructiv" (did you mean "destructive"?)');
  });

  it('lints only the modules named, and a SQLite-only project says PostgreSQL rules only (exit 0)', async () => {
    project = await mixedProject();
    const audit = await runCli(['lint', 'audit', '-c', project.configPath]);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout.trim().split('\n')).toEqual([
      'PostgreSQL rules only: 2 migrations of module audit (SQLite) not linted.',
      '0 errors, 0 warnings in 0 migrations of 0 modules.',
    ]);
    const typo = await runCli(['lint', 'biling', '-c', project.configPath]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean "billing"');

    const sqlite = await createFixtureProject([{ name: 'core', migrations: { '0001_a.sql': 'DROP TABLE a;\n' } }]);
    try {
      const run = await runCli(['lint', '-c', sqlite.configPath]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('PostgreSQL rules only: 1 migration of module core (SQLite) not linted.');
      expect(run.stdout).toContain('give --engine postgres (or --url postgres://…); lint connects to nothing');
    } finally {
      await sqlite.cleanup();
    }
  });
});

describe('validate includes lint', () => {
  it('a lint error fails validate (exit 4), offline too; warnings are listed', async () => {
    project = await mixedProject();
    const run = await runCli(['validate', '--offline', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(/0002_status_index\.sql:2 {2}error {2}needs-no-transaction/);
    expect(run.stdout).toMatch(/0003_drop\.sql:3 {2}warn {2}index-not-concurrent/);
    expect(run.stdout).toContain(
      'Lint (PostgreSQL rules): 1 error, 1 warning, 1 ignored in 3 migrations of 1 module (index-not-concurrent 1, needs-no-transaction 1).',
    );
    expect(run.stdout).not.toContain('Valid.');

    await project.write(
      'modules/billing/migrations/0002_status_index.sql',
      '-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY invoices_total ON invoices (total);\n',
    );
    const fixed = await runCli(['validate', '--offline', '--json', '-c', project.configPath]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout).lint.summary).toEqual({
      linted: 3,
      errors: 0,
      warnings: 1,
      infos: 0,
      ignored: 1,
      byRule: { 'index-not-concurrent': 1 },
    });
  });
});

describe('migrate lints the pending migrations first (PostgreSQL)', () => {
  const files = {
    '0001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n',
    '0002_email_index.sql': 'CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n',
  };

  it('refuses with exit 4 before any migration runs, naming the file and line; --no-lint runs it', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([{ name: 'accounts', migrations: files }], { database: { url: target.url } });
    const run = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain(
      'refusing to migrate: the lint of the pending migrations found an error before anything ran',
    );
    expect(run.stderr).toContain(
      `accounts/0002_email_index (${project.migrationPath('accounts', '0002_email_index.sql')}, line 1) [needs-no-transaction]`,
    );
    expect(run.stderr).toContain('--no-lint');
    // Nothing ran: not even the first, valid migration.
    expect(await tableNames(target)).not.toContain('accounts');
    const json = await runCli(['migrate', '--only', '--json', '-c', project.configPath]);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout).error).toMatchObject({
      kind: 'validation',
      lint: [{ module: 'accounts', id: '0002_email_index', line: 1, rule: 'needs-no-transaction', severity: 'error' }],
    });

    const unlinted = await runCli(['migrate', '--only', '--no-lint', '-c', project.configPath]);
    expect(unlinted.code).toBe(1); // PostgreSQL itself refuses CONCURRENTLY in the migration's transaction
    expect(unlinted.stderr).toMatch(/CREATE INDEX CONCURRENTLY cannot run inside a transaction block/);
    // The driver recognises the failure (PostgreSQL's 25001) and the message says the way out.
    expect(unlinted.stderr).toContain('This statement cannot run inside a transaction: put `-- modkit:no-transaction`');
    expect(await tableNames(target)).toContain('accounts');
  });

  it('prints warnings about live tables and runs, ending with the counts; lint.onMigrate off skips the lint; a no-op run lints nothing', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject(
      [{ name: 'accounts', migrations: { '0001_accounts.sql': files['0001_accounts.sql'] } }],
      { database: { url: target.url } },
    );
    expect((await runCli(['migrate', '--only', '-c', project.configPath])).code).toBe(0);
    // accounts is live now: the next deploy's NOT NULL column fails once it has rows.
    await project.write(
      'modules/accounts/migrations/0002_plan.sql',
      'ALTER TABLE accounts ADD COLUMN plan text NOT NULL;\n',
    );
    const run = await runCli(['migrate', '--only', '--json', '-c', project.configPath]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /warning: lint: accounts\/0002_plan \(.*0002_plan\.sql:1\) \[add-column-not-null\] ADD COLUMN plan NOT NULL without a default/,
    );
    expect(run.stderr).toContain('Lint of the pending migrations: 1 warning (add-column-not-null 1).');
    expect(JSON.parse(run.stdout).lint).toEqual([
      expect.objectContaining({
        module: 'accounts',
        id: '0002_plan',
        line: 1,
        rule: 'add-column-not-null',
        severity: 'warn',
      }),
    ]);
    expect(JSON.parse(run.stdout).lintSummary).toEqual({
      errors: 0,
      warnings: 1,
      infos: 0,
      byRule: { 'add-column-not-null': 1 },
    });
    expect(
      await queryTarget(
        target,
        "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'plan'",
      ),
    ).toEqual([{ n: 1 }]);

    await project.write(
      'modules/accounts/migrations/0003_bad.sql',
      'CREATE INDEX CONCURRENTLY accounts_plan ON accounts (plan);\n',
    );
    await project.write(
      'modkit.config.mjs',
      `export default ${JSON.stringify({ modules: ['modules/*/module.mjs'], database: { url: target.url }, lint: { onMigrate: 'off' } })};\n`,
    );
    const off = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(off.code).toBe(1); // not refused by lint: PostgreSQL fails it
    expect(off.stderr).not.toContain('lint');

    await project.remove('modules/accounts/migrations/0003_bad.sql');
    const noop = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(noop.code, noop.stderr).toBe(0);
    expect(noop.stdout).toContain('Nothing to migrate');
    expect(noop.stderr).toBe('');
  });

  it('lint.onMigrate warn prints errors as warnings and runs', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject(
      [
        {
          name: 'accounts',
          migrations: { '0001_accounts.sql': 'CREATE TABLE accounts (id int);\nVACUUM accounts;\n' },
        },
      ],
      {
        database: { url: target.url },
        lint: { onMigrate: 'warn' },
      },
    );
    const run = await runCli(['migrate', '--only', '-c', project.configPath]);
    expect(run.stderr).toMatch(
      /warning: lint: accounts\/0001_accounts \(.*:2\) \[needs-no-transaction, error\] VACUUM cannot run inside a transaction/,
    );
    expect(run.code).toBe(1); // it ran, and PostgreSQL refused the VACUUM
  });
});
