import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, type LintFinding, type LintProjectReport } from '../../src/api/lint.js';
import { UsageError } from '../../src/errors.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

/** lint needs no database: the URL only says the module's migrations are PostgreSQL. */
const PG_URL = 'postgres://nobody@127.0.0.1:1/never_connected';

/**
 * Per rule, real migration files that trigger it and files that do not (each a migration of
 * module `app`, linted once through the library API).
 */
const FILES: Readonly<Record<string, string>> = {
  // syntax
  '0101_syntax_bad.sql': 'CREATE TABLE broken (\n  id int,\n);\n',
  '0102_syntax_good.sql': 'CREATE TABLE fine (id int);\n',
  '0103_syntax_after_accents.sql':
    "-- crème brûlée, naïve café ☕ 🎉\nINSERT INTO menu VALUES ('crème brûlée');\nCREATE TABLE (x int);\n",
  // needs-no-transaction
  '0201_concurrently_in_tx.sql':
    '-- an index on a live table\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n',
  '0202_concurrently_no_tx.sql':
    '-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n',
  '0203_vacuum_in_tx.sql': 'VACUUM accounts;\n',
  // index-not-concurrent
  '0301_index_plain.sql': 'CREATE INDEX accounts_name ON accounts (name);\n',
  '0302_index_on_new_table.sql':
    'CREATE TABLE invoices (id bigint, account_id bigint);\nCREATE INDEX invoices_account ON invoices (account_id);\n',
  // add-column-not-null
  '0401_not_null_no_default.sql': 'ALTER TABLE accounts ADD COLUMN plan text NOT NULL;\n',
  '0403_primary_key_column.sql':
    'ALTER TABLE accounts ADD COLUMN code int PRIMARY KEY;\nALTER TABLE accounts ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY NOT NULL;\n',
  '0402_not_null_default.sql':
    "ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';\nALTER TABLE accounts ADD COLUMN note text;\n",
  // table-rewrite
  '0501_type_change.sql': 'ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;\n',
  '0502_volatile_default.sql': 'ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();\n',
  '0503_set_logged.sql': 'ALTER TABLE accounts SET UNLOGGED;\nCLUSTER accounts USING accounts_pkey;\n',
  '0504_vacuum_full.sql': '-- modkit:no-transaction\nVACUUM FULL accounts;\n',
  '0505_no_rewrite.sql':
    'ALTER TABLE accounts ALTER COLUMN name TYPE varchar(200);\nALTER TABLE accounts ALTER COLUMN bio TYPE text;\n' +
    'ALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();\n',
  // constraint-validates-table
  '0601_fk_validates.sql':
    'ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id);\n',
  '0602_check_validates.sql': 'ALTER TABLE accounts ADD CONSTRAINT balance_positive CHECK (balance >= 0);\n',
  '0603_set_not_null.sql': 'ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n',
  '0604_not_valid.sql':
    'ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id) NOT VALID;\n' +
    'ALTER TABLE accounts ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n' +
    'ALTER TABLE accounts VALIDATE CONSTRAINT email_nn;\n' +
    'ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n',
  // destructive
  '0701_drop_table.sql': 'DROP TABLE legacy_accounts;\n',
  '0702_drop_column_rename.sql':
    'ALTER TABLE accounts DROP COLUMN legacy;\nALTER TABLE accounts RENAME COLUMN name TO full_name;\nALTER TABLE accounts RENAME TO customers;\n',
  '0703_truncate.sql': 'TRUNCATE audit_log;\n',
  '0704_not_destructive.sql': 'CREATE TABLE scratch (id int);\nDROP TABLE scratch;\nDROP VIEW account_totals;\n',
  // ignore comments
  '0801_ignore_statement.sql':
    'CREATE TABLE a (id int);\n-- modkit:lint-ignore destructive nothing reads legacy since v3\nDROP TABLE legacy;\nDROP TABLE other;\n',
  '0802_ignore_file.sql':
    '-- modkit:lint-ignore index-not-concurrent accounts has 40 rows\n\nCREATE INDEX a1 ON accounts (a);\nCREATE INDEX a2 ON accounts (b);\n',
  '0803_ignore_without_reason.sql':
    'SELECT 1;\n-- modkit:lint-ignore destructive\nDROP TABLE legacy;\n-- modkit:lint-ignore destrutcive typo in the rule\nDROP TABLE legacy2;\n',
  // lines: the statement's first line, after multi-byte characters
  '0901_lines.sql':
    "-- café ☕\nCREATE TABLE t (label text DEFAULT 'naïve');\n\n/* block\n   comment */\nALTER TABLE accounts\n  DROP COLUMN x;\n",
  '0902_script.mjs': 'export async function up(db) {}\n',
};

let project: FixtureProject;
let report: LintProjectReport;

const findings = (id: string): readonly LintFinding[] => {
  const migration = report.migrations.find((m) => m.id === id);
  if (!migration) throw new Error(`${id} was not linted`);
  return migration.findings;
};
const rules = (id: string) =>
  findings(id)
    .filter((f) => !f.ignored)
    .map((f) => f.rule);

beforeAll(async () => {
  project = await createFixtureProject([{ name: 'app', migrations: FILES }], { database: { url: PG_URL } });
  report = await lint({ configPath: project.configPath });
});
afterAll(() => project?.cleanup());

describe('lint rules (library API, real files)', () => {
  it('syntax: a file that does not parse, at the line of the error', () => {
    expect(findings('0101_syntax_bad')).toEqual([
      expect.objectContaining({ rule: 'syntax', severity: 'error', line: 3 }),
    ]);
    expect(findings('0101_syntax_bad')[0]!.message).toMatch(/syntax error at or near "\)"/);
    expect(rules('0102_syntax_good')).toEqual([]);
    // PostgreSQL reports the position in characters: the line is still right after multi-byte ones.
    expect(findings('0103_syntax_after_accents').map((f) => [f.rule, f.line])).toEqual([['syntax', 3]]);
  });

  it('needs-no-transaction: CONCURRENTLY or VACUUM without the no-transaction marker is an error', () => {
    expect(findings('0201_concurrently_in_tx')).toEqual([
      expect.objectContaining({ rule: 'needs-no-transaction', severity: 'error', line: 2 }),
    ]);
    expect(findings('0201_concurrently_in_tx')[0]!.message).toMatch(/-- modkit:no-transaction/);
    expect(rules('0203_vacuum_in_tx')).toEqual(['needs-no-transaction']);
    expect(rules('0202_concurrently_no_tx')).toEqual([]);
  });

  it('index-not-concurrent: a plain CREATE INDEX on a table the file did not create', () => {
    expect(findings('0301_index_plain')).toEqual([
      expect.objectContaining({ rule: 'index-not-concurrent', severity: 'warn', line: 1 }),
    ]);
    expect(findings('0301_index_plain')[0]!.message).toMatch(/CONCURRENTLY/);
    expect(rules('0302_index_on_new_table')).toEqual([]);
  });

  it('add-column-not-null: NOT NULL without a default on an existing table', () => {
    expect(rules('0401_not_null_no_default')).toEqual(['add-column-not-null']);
    expect(findings('0401_not_null_no_default')[0]!.message).toMatch(/backfill/);
    expect(rules('0402_not_null_default')).toEqual([]);
    // A PRIMARY KEY column is NOT NULL (and its index is built under the lock); an identity column gets values (but rewrites the table).
    expect(rules('0403_primary_key_column')).toEqual([
      'constraint-builds-index',
      'add-column-not-null',
      'table-rewrite',
    ]);
  });

  it('table-rewrite: type changes, volatile defaults, SET LOGGED/UNLOGGED, CLUSTER, VACUUM FULL; not widening or now()', () => {
    expect(rules('0501_type_change')).toEqual(['table-rewrite']);
    expect(rules('0502_volatile_default')).toEqual(['table-rewrite']);
    expect(findings('0502_volatile_default')[0]!.message).toMatch(/gen_random_uuid/);
    expect(rules('0503_set_logged')).toEqual(['table-rewrite', 'table-rewrite']);
    expect(rules('0504_vacuum_full')).toEqual(['table-rewrite']);
    expect(rules('0505_no_rewrite')).toEqual([]);
  });

  it('constraint-validates-table: FOREIGN KEY / CHECK without NOT VALID, SET NOT NULL without a validated check', () => {
    expect(rules('0601_fk_validates')).toEqual(['constraint-validates-table']);
    expect(findings('0601_fk_validates')[0]!.message).toMatch(/NOT VALID/);
    expect(rules('0602_check_validates')).toEqual(['constraint-validates-table']);
    expect(rules('0603_set_not_null')).toEqual(['constraint-validates-table']);
    expect(rules('0604_not_valid')).toEqual([]);
  });

  it('destructive: DROP TABLE/COLUMN, RENAME, TRUNCATE; not of a table the file created, not a view', () => {
    expect(rules('0701_drop_table')).toEqual(['destructive']);
    expect(findings('0702_drop_column_rename').map((f) => [f.rule, f.line])).toEqual([
      ['destructive', 1],
      ['destructive', 2],
      ['destructive', 3],
    ]);
    expect(rules('0703_truncate')).toEqual(['destructive']);
    expect(rules('0704_not_destructive')).toEqual([]);
  });

  it('an ignore comment above a statement silences that statement only, and keeps its reason', () => {
    const all = findings('0801_ignore_statement');
    expect(all).toEqual([
      expect.objectContaining({
        rule: 'destructive',
        line: 3,
        ignored: { reason: 'nothing reads legacy since v3', scope: 'statement', line: 2 },
      }),
      expect.objectContaining({ rule: 'destructive', line: 4 }),
    ]);
    expect(all[1]!.ignored).toBeUndefined();
  });

  it('an ignore comment in the leading comments silences the whole file', () => {
    const all = findings('0802_ignore_file');
    expect(all).toHaveLength(2);
    for (const f of all) expect(f.ignored).toEqual({ reason: 'accounts has 40 rows', scope: 'file', line: 1 });
  });

  it('an ignore without a reason, or naming an unknown rule, silences nothing and is reported', () => {
    expect(findings('0803_ignore_without_reason').map((f) => [f.rule, f.line, f.ignored === undefined])).toEqual([
      ['lint-ignore', 2, true],
      ['destructive', 3, true],
      ['lint-ignore', 4, true],
      ['destructive', 5, true],
    ]);
    expect(findings('0803_ignore_without_reason')[0]!.message).toMatch(/gives no reason/);
    expect(findings('0803_ignore_without_reason')[2]!.message).toMatch(/did you mean "destructive"/);
  });

  it('names the first line of the statement, counting lines after multi-byte characters', () => {
    expect(findings('0901_lines').map((f) => [f.rule, f.line])).toEqual([['destructive', 6]]);
  });

  it('skips script migrations with a note, and counts errors, warnings and ignored findings', () => {
    expect(report.notLinted).toEqual([{ module: 'app', reason: 'script', engine: 'PostgreSQL', ids: ['0902_script'] }]);
    expect(report.migrations.some((m) => m.id === '0902_script')).toBe(false);
    expect(report.errors).toBe(4); // two syntax, two needs-no-transaction
    expect(report.ignored).toBe(3);
  });
});

describe('lint settings', () => {
  it('lint.rules changes severities, and off drops a rule', async () => {
    const p = await createFixtureProject(
      [{ name: 'app', migrations: { '0001_a.sql': 'CREATE INDEX i ON accounts (a);\nDROP TABLE legacy;\n' } }],
      { database: { url: PG_URL }, lint: { rules: { 'index-not-concurrent': 'error', destructive: 'off' } } },
    );
    try {
      const r = await lint({ configPath: p.configPath });
      expect(r.migrations[0]!.findings).toEqual([
        expect.objectContaining({ rule: 'index-not-concurrent', severity: 'error' }),
      ]);
      expect(r.errors).toBe(1);
      expect(r.warnings).toBe(0);
    } finally {
      await p.cleanup();
    }
  });

  it('an unknown rule name in lint.rules is a config error with a did-you-mean', async () => {
    const p = await createFixtureProject([{ name: 'app' }], {
      lint: { rules: { 'index-not-concurent': 'off' }, onMigrate: 'sometimes' },
    });
    try {
      const error = await lint({ configPath: p.configPath }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toMatch(
        /unknown lint rule "lint\.rules\.index-not-concurent" \(did you mean "index-not-concurrent"\?\)/,
      );
      expect((error as UsageError).message).toMatch(
        /"lint\.onMigrate" must be 'error', 'warn', 'off', got "sometimes"/,
      );
    } finally {
      await p.cleanup();
    }
  });

  it('lints inline SQL and the up section of a goose file, not the down (dropping is what a down is for)', async () => {
    const p = await createFixtureProject(
      [
        {
          name: 'app',
          migrations: {
            '0001_goose.sql':
              '-- +goose Up\nCREATE TABLE t (id int);\nCREATE INDEX t_id ON accounts (id);\n-- +goose Down\nDROP TABLE t;\n',
          },
        },
        {
          name: 'inline',
          source: `export default { name: 'inline', migrations: [{ id: '0001_x', up: 'SELECT 1;\\nTRUNCATE accounts;', down: 'DROP TABLE accounts;' }, { id: '0002_fn', up: async () => {} }] };\n`,
        },
      ],
      { database: { url: PG_URL } },
    );
    try {
      const r = await lint({ configPath: p.configPath });
      expect(r.migrations.map((m) => [m.module, m.id, m.findings.map((f) => [f.rule, f.line])])).toEqual([
        ['app', '0001_goose', [['index-not-concurrent', 3]]],
        ['inline', '0001_x', [['destructive', 2]]],
      ]);
      expect(r.migrations[1]!.moduleFile).toBe(join(p.dir, 'modules/inline/module.mjs'));
      expect(r.notLinted).toEqual([{ module: 'inline', reason: 'script', engine: 'PostgreSQL', ids: ['0002_fn'] }]);
    } finally {
      await p.cleanup();
    }
  });

  it('SQLite modules are not linted: PostgreSQL rules only', async () => {
    const p = await createFixtureProject([
      { name: 'app', migrations: { '0001_a.sql': 'DROP TABLE legacy;\n', '0002_b.sql': 'SELECT 1;\n' } },
    ]);
    try {
      const r = await lint({ configPath: p.configPath });
      expect(r.migrations).toEqual([]);
      expect(r.notLinted).toEqual([{ module: 'app', reason: 'engine', engine: 'SQLite', ids: ['0001_a', '0002_b'] }]);
    } finally {
      await p.cleanup();
    }
  });
});
