import { describe, expect, it } from 'vitest';
import { hasNoTransactionDirective, readDirectives, splitSections } from '../../src/modules/directives.js';

describe('no-transaction markers', () => {
  it("accepts modkit's marker on the first line, tolerating case, spaces, CRLF and a BOM", () => {
    expect(hasNoTransactionDirective('-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);')).toBe(true);
    expect(hasNoTransactionDirective('  --   MODKIT : No-Transaction  \r\nSELECT 1')).toBe(true);
    expect(hasNoTransactionDirective('\uFEFF--modkit:no-transaction')).toBe(true);
  });

  it('accepts it anywhere in the leading comment block, block comments and blank lines included', () => {
    expect(
      hasNoTransactionDirective(
        '-- add an index to users\n-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);',
      ),
    ).toBe(true);
    expect(hasNoTransactionDirective('\n/* author: me\n   ticket: 42 */\n\n-- modkit:no-transaction\nSELECT 1;')).toBe(
      true,
    );
  });

  it('ignores it after the first statement, and look-alikes', () => {
    expect(hasNoTransactionDirective('SELECT 1;\n-- modkit:no-transaction\n')).toBe(false);
    expect(hasNoTransactionDirective('SELECT 1; -- modkit:no-transaction')).toBe(false);
    expect(hasNoTransactionDirective('-- modkit:no-transactions')).toBe(false);
    expect(hasNoTransactionDirective('-- modkit:transaction')).toBe(false);
    expect(hasNoTransactionDirective("SELECT '-- modkit:no-transaction';")).toBe(false);
    expect(hasNoTransactionDirective('')).toBe(false);
  });

  // Each as the tool's own documentation writes it.
  it.each([
    ['postgres-migrations', '-- postgres-migrations disable-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);'],
    ['goose', '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (x);'],
    [
      'dbmate',
      '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n\n-- migrate:down\nDROP INDEX i;',
    ],
    ['sqlx', '-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);'],
    ['graphile-migrate', '--! no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);'],
    ['Atlas', '-- atlas:txmode none\nCREATE INDEX CONCURRENTLY i ON t (x);'],
  ])("recognises %s's marker", (tool, sql) => {
    expect(readDirectives(sql)).toMatchObject({ noTransaction: true, noTransactionTool: tool, unknown: [] });
  });

  it('reports marker-like comments modkit does not act on, with their lines', () => {
    const sql = '-- +goose Up\n-- +goose ENVSUB ON\n-- modkit:no-transacton\n-- just a comment\nSELECT 1;';
    expect(readDirectives(sql).unknown).toEqual([
      { line: 2, text: '-- +goose ENVSUB ON' },
      { line: 3, text: '-- modkit:no-transacton' },
    ]);
    expect(readDirectives('-- migrate:up transaction:false\nSELECT 1;').unknown).toEqual([]);
    expect(
      readDirectives(
        '-- modkit:lint-ignore destructive dropping the old column on purpose\nALTER TABLE t DROP COLUMN x;',
      ).unknown,
    ).toEqual([]);
  });
});

describe('splitSections (goose and dbmate files)', () => {
  it('splits a goose file, each part keeping its line numbers', () => {
    const sql = '-- +goose Up\nCREATE TABLE t (x int);\n\n-- +goose Down\nDROP TABLE t;\n';
    const sections = splitSections(sql)!;
    expect(sections.tool).toBe('goose');
    expect(sections.up).toBe('-- +goose Up\nCREATE TABLE t (x int);\n');
    expect(sections.down!.split('\n').indexOf('DROP TABLE t;') + 1).toBe(5);
  });

  it('splits a dbmate file, keeping each section marker with its section', () => {
    const sql = '-- migrate:up\nCREATE TABLE t (x int);\n-- migrate:down transaction:false\nDROP TABLE t;';
    const sections = splitSections(sql)!;
    expect(sections.tool).toBe('dbmate');
    expect(sections.up).not.toContain('DROP TABLE');
    expect(readDirectives(sections.up).noTransaction).toBe(false);
    expect(readDirectives(sections.down!).noTransaction).toBe(true);
  });

  it('gives no down when the file has only an up section, and nothing for ordinary files', () => {
    expect(splitSections('-- +goose Up\nSELECT 1;')?.down).toBeUndefined();
    expect(splitSections('CREATE TABLE t (x int);\n-- migrate is a word in this comment')).toBeUndefined();
  });
});
