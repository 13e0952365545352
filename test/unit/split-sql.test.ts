import { describe, it, expect } from 'vitest';
import { lineOfOffset, splitSqlStatements } from '../../src/db/split-sql.js';

const texts = (sql: string): string[] => splitSqlStatements(sql).map((s) => s.text);

describe('splitSqlStatements', () => {
  it('splits on top-level semicolons, trims, drops the trailing ;', () => {
    expect(texts('  SELECT 1 ;\n\nSELECT 2;SELECT 3  ')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('drops empty and comment-only statements', () => {
    expect(texts(';;  ;\n-- only a comment\n;/* block */;\n')).toEqual([]);
    expect(texts('')).toEqual([]);
    expect(texts('SELECT 1; -- trailing comment\n/* and another */\n')).toEqual(['SELECT 1']);
  });

  it('ignores ; in line comments and keeps comments inside a statement', () => {
    expect(texts('SELECT 1 -- not; the end\n, 2;\nSELECT 3')).toEqual(['SELECT 1 -- not; the end\n, 2', 'SELECT 3']);
  });

  it('ignores ; in nested block comments', () => {
    expect(texts('SELECT /* a; /* nested; */ still; */ 1; SELECT 2')).toEqual([
      'SELECT /* a; /* nested; */ still; */ 1',
      'SELECT 2',
    ]);
  });

  it("ignores ; in single-quoted strings with '' escapes", () => {
    expect(texts("INSERT INTO t VALUES ('a;b', 'it''s; here');SELECT ';'")).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; here')",
      "SELECT ';'",
    ]);
  });

  it('treats backslash as ordinary in standard strings but as escape in E strings', () => {
    expect(texts("SELECT 'C:\\';SELECT 2")).toEqual(["SELECT 'C:\\'", 'SELECT 2']);
    expect(texts("SELECT E'it\\'s; fine', e'x\\\\';SELECT 2")).toEqual([
      "SELECT E'it\\'s; fine', e'x\\\\'",
      'SELECT 2',
    ]);
    // `date'...'` is a typed literal, not an E string: the backslash does not escape.
    expect(texts("SELECT type'a\\';SELECT 2")).toEqual(["SELECT type'a\\'", 'SELECT 2']);
  });

  it('ignores ; in double-quoted and backtick identifiers', () => {
    expect(texts('CREATE TABLE "we;ird""name" (x int);SELECT `a;b` FROM t')).toEqual([
      'CREATE TABLE "we;ird""name" (x int)',
      'SELECT `a;b` FROM t',
    ]);
  });

  it('ignores ; in $$ and $tag$ dollar-quoted bodies', () => {
    const sql = "DO $$ BEGIN PERFORM 1; END $$;\nSELECT $body$ a; $$ b; $body$;\nSELECT 'x'";
    expect(texts(sql)).toEqual(['DO $$ BEGIN PERFORM 1; END $$', 'SELECT $body$ a; $$ b; $body$', "SELECT 'x'"]);
  });

  it('does not take $1 parameters or $ inside identifiers for dollar quotes', () => {
    expect(texts('PREPARE p AS SELECT $1, $2;SELECT 3')).toEqual(['PREPARE p AS SELECT $1, $2', 'SELECT 3']);
    expect(texts('SELECT a$b$ FROM t;SELECT 2')).toEqual(['SELECT a$b$ FROM t', 'SELECT 2']);
  });

  it('does not split inside parentheses (as psql does, e.g. multi-action rules)', () => {
    const sql = 'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));SELECT 1';
    expect(texts(sql)).toHaveLength(2);
  });

  it('keeps a SQLite CREATE TRIGGER ... BEGIN ... END body together, with CASE..END inside', () => {
    const sql = [
      'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);',
      'CREATE TEMP TRIGGER IF NOT EXISTS trg AFTER INSERT ON t',
      'BEGIN',
      '  UPDATE t SET n = CASE WHEN NEW.n IS NULL THEN 0 ELSE NEW.n END WHERE id = NEW.id;',
      "  INSERT INTO log VALUES ('end; not really');",
      'END;',
      'INSERT INTO t (n) VALUES (1);',
    ].join('\n');
    const out = texts(sql);
    expect(out).toHaveLength(3);
    expect(out[1]).toMatch(/^CREATE TEMP TRIGGER[\s\S]*VALUES \('end; not really'\);\nEND$/);
    expect(out[2]).toBe('INSERT INTO t (n) VALUES (1)');
  });

  it('treats BEGIN as a plain word outside CREATE FUNCTION/PROCEDURE/TRIGGER', () => {
    expect(texts('BEGIN;CREATE TABLE a (x int);COMMIT;')).toEqual(['BEGIN', 'CREATE TABLE a (x int)', 'COMMIT']);
    expect(texts('CREATE TABLE "begin" (x int);SELECT 1')).toHaveLength(2);
    // A PostgreSQL trigger has no body of its own: it ends at its ;.
    expect(texts('CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION f();SELECT 1')).toHaveLength(2);
  });

  it('keeps a PostgreSQL BEGIN ATOMIC body together', () => {
    const sql = [
      'CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT CASE WHEN a IS NULL THEN 0 END;',
      '  SELECT a + b;',
      'END;',
      'CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;',
      'SELECT add(1, 2);',
    ].join('\n');
    const out = texts(sql);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/SELECT a \+ b;\nEND$/);
    expect(out[1]).toBe('CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END');
  });

  it('reports the line and offset of the first significant char of each statement', () => {
    const sql = '-- header\n\n/* c */  CREATE TABLE a (x int);\r\n  -- note\n  INSERT INTO a\nVALUES (1);';
    const out = splitSqlStatements(sql);
    expect(out.map(({ line, offset }) => ({ line, offset }))).toEqual([
      { line: 3, offset: sql.indexOf('CREATE') },
      { line: 5, offset: sql.indexOf('INSERT') },
    ]);
    for (const s of out) expect(sql.startsWith(s.text, s.offset)).toBe(true);
    expect(out[1]?.text).toBe('INSERT INTO a\nVALUES (1)');
  });

  it('takes unterminated quotes and comments to the end of the file', () => {
    expect(texts("SELECT 1; SELECT 'oops; SELECT 2")).toEqual(['SELECT 1', "SELECT 'oops; SELECT 2"]);
    expect(texts('SELECT 1; SELECT $$ a; b')).toEqual(['SELECT 1', 'SELECT $$ a; b']);
    expect(texts('SELECT 1; /* open; ')).toEqual(['SELECT 1']);
  });

  it('splits a real PostgreSQL migration with a plpgsql function and trigger', () => {
    const sql = `-- 0003_audit.sql
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL, -- which table; not a statement end
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  note text DEFAULT 'it''s; fine'
);

CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  v text := $$quoted; inside$$;
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO audit_log (table_name, payload) VALUES (TG_TABLE_NAME, to_jsonb(OLD));
    RETURN OLD;
  END IF;
  INSERT INTO audit_log (table_name, payload) VALUES (TG_TABLE_NAME, to_jsonb(NEW));
  RETURN NEW;
END;
$fn$;

CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION audit_row();

COMMENT ON TABLE audit_log IS E'Audit\\'s log; one row per change';
`;
    const out = splitSqlStatements(sql);
    expect(out.map((s) => s.text.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'CREATE TABLE audit_log',
      'CREATE OR REPLACE',
      'CREATE TRIGGER users_audit',
      'COMMENT ON TABLE',
    ]);
    expect(out.map((s) => s.line)).toEqual([2, 9, 23, 26]);
    expect(out.map((s) => lineOfOffset(sql, s.offset))).toEqual([2, 9, 23, 26]);
    expect(out[1]?.text.endsWith('END;\n$fn$')).toBe(true);
  });

  it('splits a 5 MB file completely (its speed is measured in the benchmark, not here)', () => {
    const row = "INSERT INTO t (a, b) VALUES (1, 'x; y'); -- c;\n/* d; */ SELECT $$e;$$;\n";
    const sql = row.repeat(Math.ceil((5 * 1024 * 1024) / row.length));
    const out = splitSqlStatements(sql);
    expect(out).toHaveLength(2 * Math.ceil((5 * 1024 * 1024) / row.length));
    expect(out.at(-1)?.line).toBe(sql.split('\n').length - 1);
  });
});

describe('lineOfOffset', () => {
  it('maps 0-based offsets to 1-based lines', () => {
    const sql = 'a\nbc\r\n\nd';
    expect([0, 1, 2, 4, 5, 6, 7, 8].map((o) => lineOfOffset(sql, o))).toEqual([1, 1, 2, 2, 2, 3, 4, 4]);
    expect(lineOfOffset(sql, 999)).toBe(4);
    expect(lineOfOffset(sql, -1)).toBe(1);
  });

  it('locates a PostgreSQL error position (1-based, into the statement) in the file', () => {
    const sql = 'SELECT 1;\n\nINSERT INTO t\nVALUES (oops);';
    const stmt = splitSqlStatements(sql)[1];
    const position = (stmt?.text.indexOf('oops') ?? 0) + 1; // what PostgreSQL would report
    expect(lineOfOffset(sql, (stmt?.offset ?? 0) + position - 1)).toBe(4);
  });
});
