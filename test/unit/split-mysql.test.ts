import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitMysqlStatements } from '../../src/db/mysql/split-mysql.js';

const texts = (sql: string): string[] => splitMysqlStatements(sql).map((s) => s.text);

describe('splitMysqlStatements', () => {
  it('splits on ; outside quotes and comments, trims, and drops empty and comment-only statements', () => {
    expect(texts('  SELECT 1 ;\n\nSELECT 2;SELECT 3  ')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
    expect(texts(';;  ;\n-- only a comment\n;/* block */;\n# hash comment\n')).toEqual([]);
    expect(texts('SELECT 1 -- not; the end\n, 2 # nor; this\n;SELECT /* a; b */ 3')).toEqual([
      'SELECT 1 -- not; the end\n, 2 # nor; this',
      'SELECT /* a; b */ 3',
    ]);
  });

  it('keeps ; inside \'…\' and "…" (doubled quotes and backslash escapes) and `…` (doubled backticks)', () => {
    expect(
      texts("INSERT INTO t VALUES ('a;b', 'it''s; x', 'it\\'s; y', \"q\\\";z\");SELECT `we;ird``name;` FROM t"),
    ).toEqual(["INSERT INTO t VALUES ('a;b', 'it''s; x', 'it\\'s; y', \"q\\\";z\")", 'SELECT `we;ird``name;` FROM t']);
  });

  it('--x is not a comment (MySQL needs a space after --)', () => {
    expect(texts('SELECT 1--1;SELECT 2')).toEqual(['SELECT 1--1', 'SELECT 2']);
  });

  it('follows DELIMITER commands ($$, //, ;;) and never sends them', () => {
    const sql = [
      'CREATE TABLE t (id INT);',
      'DELIMITER $$',
      'CREATE PROCEDURE p()',
      'BEGIN',
      "  INSERT INTO t VALUES (1); SELECT ';$';",
      'END$$',
      'delimiter //',
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.id = NEW.id + 1; END //',
      'DELIMITER ;',
      'INSERT INTO t VALUES (2);',
    ].join('\n');
    const statements = splitMysqlStatements(sql);
    expect(statements.map((s) => s.text)).toEqual([
      'CREATE TABLE t (id INT)',
      "CREATE PROCEDURE p()\nBEGIN\n  INSERT INTO t VALUES (1); SELECT ';$';\nEND",
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.id = NEW.id + 1; END',
      'INSERT INTO t VALUES (2)',
    ]);
    expect(statements.map((s) => s.line)).toEqual([1, 3, 8, 10]);
  });

  it('names each statement by the line of its first character, after leading comments', () => {
    const statements = splitMysqlStatements('-- header\n\n/* note */\nSELECT 1;\n\n  # x\n  SELECT\n2;');
    expect(statements.map((s) => [s.line, s.text])).toEqual([
      [4, 'SELECT 1'],
      [7, 'SELECT\n2'],
    ]);
  });

  it('sends executable comments (/*! … */), which are statements in a dump', () => {
    expect(texts('/*!40101 SET NAMES utf8mb4 */;\n/* plain */;\n/*!50003 SET @x = 1 */ ;')).toEqual([
      '/*!40101 SET NAMES utf8mb4 */',
      '/*!50003 SET @x = 1 */',
    ]);
  });

  it('splits a real mysqldump with a trigger and a procedure as the mysql client does', () => {
    // Written by `mysqldump --routines --triggers` (MariaDB 10.11) from a database with a table of
    // strings holding `;`, a trigger and a procedure: DELIMITER ;; blocks, /*!50003 … */ wrappers.
    const dump = readFileSync(new URL('./fixtures/mysqldump-trigger-procedure.sql', import.meta.url), 'utf8');
    const statements = splitMysqlStatements(dump);
    const trigger = statements.find((s) => s.text.includes('TRIGGER accounts_audit'))!;
    expect(trigger.text).toMatch(
      /^\/\*!50003 CREATE\*\/ \/\*!50017 DEFINER=`root`@`localhost`\*\/ \/\*!50003 TRIGGER accounts_audit/,
    );
    expect(trigger.text).toMatch(/CONCAT\('balance; ', NEW\.balance\)\);\nEND \n\*\/$/);
    const procedure = statements.find((s) => s.text.includes('PROCEDURE `add_interest`'))!;
    expect(procedure.text).toBe(
      'CREATE DEFINER=`root`@`localhost` PROCEDURE `add_interest`(IN pct INT)\nBEGIN\n  UPDATE accounts SET balance = balance + balance * pct / 100;\n  SELECT COUNT(*) FROM audit;\nEND',
    );
    expect(dump.split('\n')[procedure.line - 1]).toMatch(/^CREATE DEFINER/);
    const insert = statements.find((s) => s.text.startsWith('INSERT INTO `accounts`'))!;
    expect(insert.text).toBe("INSERT INTO `accounts` VALUES\n(1,10,'it\\'s; fine'),\n(2,20,'back\\\\slash;')");
    expect(statements.some((s) => /^delimiter/i.test(s.text) || /(^|\n)DELIMITER /.test(s.text))).toBe(false);
    expect(statements.filter((s) => s.text.startsWith('CREATE TABLE'))).toHaveLength(2);
    // 71 lines end in `;`: minus 4 DELIMITER commands and 3 lines inside the trigger and procedure bodies.
    expect(statements).toHaveLength(64);
  });
});
