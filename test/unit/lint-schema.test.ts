/**
 * The lint's schema model and how files are read: type-change verdicts, the model across files
 * (search_path, renames, drops, IF NOT EXISTS, a live catalog), PL/pgSQL bodies, and a large file
 * read in windows giving exactly the statements of the whole text. (What PostgreSQL does with each
 * verdict is checked on a server by test/integration/lint-corpus.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LintCatalog } from '../../src/db/lint-catalog.js';
import { lintMigrations } from '../../src/lint/lint-migrations.js';
import { judgeFile, type LintFinding } from '../../src/lint/lint-sql.js';
import { loadPostgresParser, type PostgresParser } from '../../src/lint/postgres-parser.js';
import { prepareFile } from '../../src/lint/prepare-file.js';
import { severitiesOf } from '../../src/config/lint-rules.js';
import type { ColumnType } from '../../src/lint/schema/column-type.js';
import { SchemaModel } from '../../src/lint/schema/schema-model.js';
import { seedFromCatalog } from '../../src/lint/schema/seed-catalog.js';
import { judgeTypeChange } from '../../src/lint/schema/type-change.js';
import { fileSegments, textSegments } from '../../src/lint/segments.js';

let parser: PostgresParser;
beforeAll(async () => {
  parser = await loadPostgresParser();
});

/** Lints `files` in order with one model; returns the findings of the last file. */
function lintFiles(files: readonly string[], model = new SchemaModel('files')): LintFinding[] {
  let findings: LintFinding[] = [];
  for (const sql of files) findings = judgeFile(prepareFile(sql, true, parser), model, severitiesOf());
  return findings;
}
const rules = (findings: readonly LintFinding[]) => findings.map((f) => f.rule);

describe('type changes, judged from the current type', () => {
  const t = (name: string, ...mods: number[]): ColumnType => ({ name, mods, array: false });
  const lookups = {
    domain: (name: string) =>
      ({
        plain: { base: t('text'), constrained: false },
        checked: { base: t('text'), constrained: true },
      })[name],
    timeZoneIsUtc: undefined,
  };
  it.each([
    [t('varchar', 100), t('varchar', 200), false],
    [t('varchar', 100), t('varchar', 50), true],
    [t('varchar', 100), t('text'), false],
    [t('text'), t('varchar'), false],
    [t('text'), t('varchar', 10), true],
    [t('int4'), t('int8'), true],
    [t('int4'), t('text'), true],
    [t('numeric', 10, 2), t('numeric', 12, 2), false],
    [t('numeric', 10, 2), t('numeric', 12, 4), true],
    [t('numeric', 10, 2), t('numeric'), false],
    [t('numeric'), t('numeric', 10, 2), true],
    [t('timestamp', 3), t('timestamp', 6), false],
    [t('timestamp'), t('timestamp', 3), true],
    [t('timestamp'), t('timestamptz'), true],
    [t('bpchar', 5), t('bpchar', 10), true],
    [t('cidr'), t('inet'), false],
    [t('text'), t('plain'), false],
    [t('text'), t('checked'), true],
    [t('plain'), t('text'), false],
  ])('%o → %o rewrites: %s', (from, to, rewrite) => {
    expect(judgeTypeChange(from, to, lookups).rewrite).toBe(rewrite);
  });

  it('timestamp ↔ timestamptz keeps the table when the TimeZone is UTC', () => {
    expect(judgeTypeChange(t('timestamp'), t('timestamptz'), { ...lookups, timeZoneIsUtc: true }).rewrite).toBe(false);
  });
});

describe('the schema model across files', () => {
  const accounts = 'CREATE TABLE accounts (id int PRIMARY KEY, balance int, name varchar(100));\n';

  it('SET search_path moves unqualified names for the rest of the file', () => {
    const schema = `CREATE SCHEMA app;\nCREATE TABLE app.accounts (balance text);\n${accounts}`;
    const change = 'ALTER TABLE accounts ALTER COLUMN balance TYPE varchar;\n';
    // public.accounts.balance is an integer: a rewrite; app.accounts.balance is text: nothing.
    expect(rules(lintFiles([schema, change]))).toEqual(['table-rewrite']);
    expect(rules(lintFiles([schema, `SET search_path TO app;\n${change}`]))).toEqual([]);
    expect(rules(lintFiles([schema, `SET search_path TO app;\nRESET search_path;\n${change}`]))).toEqual([
      'table-rewrite',
    ]);
  });

  it('a rename keeps the columns; a table dropped and created again in the file is new', () => {
    expect(
      rules(
        lintFiles([
          accounts,
          'ALTER TABLE accounts RENAME TO customers;',
          'ALTER TABLE customers ALTER COLUMN name TYPE text;',
        ]),
      ),
    ).toEqual([]);
    expect(
      rules(
        lintFiles([
          accounts,
          'ALTER TABLE accounts RENAME TO customers;',
          'ALTER TABLE customers ALTER COLUMN balance TYPE text;',
        ]),
      ),
    ).toEqual(['table-rewrite']);
    expect(
      rules(lintFiles([accounts, `DROP TABLE accounts;\n${accounts}CREATE INDEX a_name ON accounts (name);`])),
    ).toEqual(['destructive']);
  });

  it('a live catalog: what it lacks is new, what it has is live with its real types', () => {
    const catalog: LintCatalog = {
      searchPath: ['public'],
      timeZone: 'Etc/UTC',
      relations: [
        {
          schema: 'public',
          name: 'accounts',
          kind: 'table',
          columns: [{ name: 'balance', type: 'int4', typmod: -1, array: false, notNull: false }],
          indexes: [],
          checks: [],
        },
      ],
      indexes: [],
      domains: [],
      functions: [{ schema: 'public', name: 'score', volatility: 'stable' }],
    };
    const model = new SchemaModel('run', catalog);
    seedFromCatalog(model, catalog);
    const sql = [
      'ALTER TABLE accounts ALTER COLUMN balance TYPE text;',
      'ALTER TABLE accounts ADD COLUMN s int DEFAULT score();',
      'CREATE INDEX ghost_x ON ghost (x);',
      'CREATE TABLE IF NOT EXISTS accounts (id int);',
      'CREATE INDEX accounts_balance ON accounts (balance);',
    ].join('\n');
    expect(lintFiles([sql], model).map((f) => [f.line, f.rule])).toEqual([
      [1, 'table-rewrite'],
      [5, 'index-not-concurrent'],
    ]);
  });
});

describe('PL/pgSQL', () => {
  it('a function the file never calls is judged where it is created; one it calls, at the call', () => {
    const fn =
      'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE INDEX i ON accounts (x);\nEND $$;\n';
    const [created] = lintFiles([fn]);
    expect(created).toMatchObject({ rule: 'index-not-concurrent', line: 3 });
    expect(created!.message).toMatch(/^in function f\(\) \(not called in this file\): /);
    const [called] = lintFiles([`${fn}SELECT f();\n`]);
    expect(called).toMatchObject({ rule: 'index-not-concurrent', line: 5 });
    expect(called!.message).toMatch(/^in function f\(\) at line 3, called here: /);
  });

  it('EXECUTE of constants joined with || is linted; an ignore comment above the DO block covers it', () => {
    const body = "DO $$ BEGIN EXECUTE 'CREATE INDEX i ' || 'ON accounts (x)'; END $$;\n";
    expect(rules(lintFiles([body]))).toEqual(['index-not-concurrent']);
    const ignored = lintFiles([`SELECT 1;\n-- modkit:lint-ignore index-not-concurrent accounts has 3 rows\n${body}`]);
    expect(ignored).toEqual([
      expect.objectContaining({
        rule: 'index-not-concurrent',
        ignored: expect.objectContaining({ scope: 'statement' }),
      }),
    ]);
  });
});

describe('a large file read in windows', () => {
  it('gives exactly the segments of the whole text, wherever a window boundary cuts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modkit-segments-'));
    try {
      const text = [
        '-- leading comment',
        "INSERT INTO t VALUES (1, 'a;b');",
        '-- a comment; with a semicolon',
        'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$',
        'BEGIN',
        '  PERFORM 1; RETURN 2;',
        'END $body$;',
        "/* block; comment */ INSERT INTO t VALUES (E'it''s; \\\\ ok', 'café ☕');",
        'DO $$ BEGIN RAISE NOTICE $q$;$q$; END $$;',
        'CREATE TABLE u (a int);',
        '',
      ].join('\n');
      const file = join(dir, 'big.sql');
      writeFileSync(file, text);
      const whole = [...textSegments(text)];
      expect(whole.map((s) => s.line)).toEqual([1, 2, 4, 8, 9, 10]);
      // Windows of a few bytes cut every quote, dollar quote, comment and multi-byte character somewhere.
      for (const bytes of [3, 5, 7, 11, 16, 29, 64])
        expect([...fileSegments(file, bytes)], `${bytes}-byte windows`).toEqual(whole);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a live catalog that cannot be read', () => {
  it('is reported, and the pending files are judged without it (what they do not create is live)', async () => {
    const inline = (id: string, up: string) => ({
      id,
      module: 'app',
      format: 'sql' as const,
      checksum: id,
      inline: { id, up },
    });
    const report = await lintMigrations(
      [
        {
          module: 'app',
          engine: 'postgres',
          migrations: [
            inline('0001_t', 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);'),
            inline('0002_u', 'CREATE INDEX u_a ON u (a);'),
          ],
          live: { readLintCatalog: () => Promise.reject(new Error('permission denied for pg_class')) },
        },
      ],
      severitiesOf(),
      { scope: 'run' },
    );
    expect(report.catalogProblems).toEqual([
      expect.stringContaining('the live catalog could not be read for the lint (permission denied for pg_class)'),
    ]);
    expect(report.migrations.map((m) => [m.id, m.findings.map((f) => f.rule)])).toEqual([
      ['0001_t', []],
      ['0002_u', ['index-not-concurrent']],
    ]);
  });
});

describe('the live catalog is asked only when a rule may need it', () => {
  const inline = (id: string, up: string) => ({
    id,
    module: 'app',
    format: 'sql' as const,
    checksum: id,
    inline: { id, up },
  });
  const lintRun = async (ups: readonly string[]) => {
    const requests: unknown[] = [];
    const catalog: LintCatalog = {
      searchPath: ['public'],
      timeZone: 'UTC',
      relations: [],
      indexes: [],
      domains: [],
      functions: [],
    };
    const report = await lintMigrations(
      [
        {
          module: 'app',
          engine: 'postgres',
          migrations: ups.map((up, k) => inline(`000${k + 1}_m`, up)),
          live: {
            readLintCatalog: (request) => {
              requests.push(request);
              return Promise.resolve(catalog);
            },
          },
        },
      ],
      severitiesOf(),
      { scope: 'run' },
    );
    return { requests, findings: report.migrations.flatMap((m) => m.findings.map((f) => f.rule)) };
  };

  it('not for a run of CREATE TABLEs only (no rule judges one), plain or not', async () => {
    const run = await lintRun(['CREATE TABLE a (id int PRIMARY KEY);', 'CREATE TABLE IF NOT EXISTS b (LIKE a);']);
    expect(run).toEqual({ requests: [], findings: [] });
  });

  it('once for a run with any other statement', async () => {
    const run = await lintRun([
      'CREATE TABLE a (id int PRIMARY KEY, mail app.email);',
      'CREATE INDEX b_id ON b (id);',
      "ALTER DOMAIN zip ADD CHECK (VALUE <> '');",
    ]);
    // pg_catalog: the schema the parser qualifies `int` with (a built-in type, so not among the
    // types: those are looked up as domains); `app` and `email` from the qualified domain.
    expect(run.requests).toEqual([
      { relations: ['a', 'b'], functions: [], schemas: ['pg_catalog', 'app'], types: ['email', 'zip'] },
    ]);
    // b is not in the live catalog: a new table, no finding. The domain zip is not in it either, so
    // the lint cannot tell that no live table uses it: its new CHECK may scan tables.
    expect(run.findings).toEqual(['constraint-validates-table']);
  });
});
