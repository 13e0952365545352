import { describe, expect, it } from 'vitest';
import { findTransactionControl, leadingWords } from '../../src/lint/transaction-control.js';

const found = async (sql: string, engine: 'postgres' | 'sqlite' | 'mysql') =>
  (await findTransactionControl(sql, engine)).map((h) => `${h.line} ${h.statement}`);

describe('transaction-control: the statements that end or open modkit’s transaction', () => {
  it('PostgreSQL: the parser’s top-level transaction statements, named as written', async () => {
    const sql = [
      'CREATE TABLE a (x int);',
      'COMMIT;',
      'END TRANSACTION;',
      'abort;',
      'ROLLBACK;',
      'ROLLBACK AND CHAIN;',
      'BEGIN ISOLATION LEVEL SERIALIZABLE;',
      'START TRANSACTION;',
      "PREPARE TRANSACTION 'x';",
      'COMMIT AND CHAIN;',
      '/* a comment */ commit /* inside */;',
    ].join('\n');
    expect(await found(sql, 'postgres')).toEqual([
      '2 COMMIT',
      '3 END',
      '4 ABORT',
      '5 ROLLBACK',
      '6 ROLLBACK',
      '7 BEGIN',
      '8 START TRANSACTION',
      '9 PREPARE TRANSACTION',
      '10 COMMIT',
      '11 COMMIT',
    ]);
  });

  it('PostgreSQL: legal code is not transaction control', async () => {
    const sql = [
      'SAVEPOINT s; ROLLBACK TO SAVEPOINT s; ROLLBACK TO s; ROLLBACK WORK TO SAVEPOINT s; RELEASE SAVEPOINT s;',
      "COMMIT PREPARED 'x'; ROLLBACK PREPARED 'x';",
      'DO $$ BEGIN COMMIT; END $$;',
      'CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; ROLLBACK; END $$;',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;',
      "SELECT 'COMMIT; BEGIN;'; -- END",
      'CREATE TABLE "commit" (begin int);',
    ].join('\n');
    expect(await found(sql, 'postgres')).toEqual([]);
  });

  it('PostgreSQL: a file that does not parse falls back to the splitter’s statements', async () => {
    expect(await found('CREATE TABLE t x y;\nCOMMIT;\n', 'postgres')).toEqual(['2 COMMIT']);
  });

  it('SQLite and MariaDB/MySQL: the splitter’s top-level statements', async () => {
    const sqlite =
      'BEGIN IMMEDIATE;\nEND;\nROLLBACK TRANSACTION;\nROLLBACK TO s;\nCREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\nCOMMIT;';
    expect(await found(sqlite, 'sqlite')).toEqual(['1 BEGIN', '2 END', '3 ROLLBACK', '6 COMMIT']);
    const mysql = [
      'BEGIN WORK;',
      'START TRANSACTION READ WRITE;',
      'ROLLBACK WORK TO SAVEPOINT s;',
      'DELIMITER //',
      'BEGIN NOT ATOMIC SELECT 1; END//',
      'CREATE PROCEDURE p() BEGIN COMMIT; END//',
      'DELIMITER ;',
      '# a comment',
      'COMMIT AND NO CHAIN;',
      'ROLLBACK;',
    ].join('\n');
    expect(await found(mysql, 'mysql')).toEqual(['1 BEGIN', '2 START TRANSACTION', '9 COMMIT', '10 ROLLBACK']);
  });

  it('reads the first words past comments', () => {
    expect(leadingWords('ROLLBACK /* x */ -- y\n TO SAVEPOINT s')).toEqual(['rollback', 'to', 'savepoint', 's']);
    expect(leadingWords("COMMIT 'x'")).toEqual(['commit']);
  });
});
