import { describe, expect, it } from 'vitest';
import { hasSqlStatement, hasUnfinishedMarker } from '../../src/modules/unfinished.js';

const sql = (text: string) => hasSqlStatement(Buffer.from(text));

describe('hasSqlStatement', () => {
  it('is false for blanks, line comments, block comments (nested) and lone semicolons', () => {
    for (const text of [
      '',
      '  \n\t',
      '-- billing 0003_x: up\n-- write it\n\n',
      '/* a */',
      '/* a /* nested */ still comment */\n',
      ';\n;',
      '\ufeff-- BOM first',
      '-- no newline at the end',
      '/* unterminated',
    ])
      expect(sql(text), JSON.stringify(text)).toBe(false);
  });

  it('is true as soon as anything else appears', () => {
    for (const text of [
      'SELECT 1;',
      '-- header\nCREATE TABLE a (id INT);',
      '/* a */ DROP TABLE x',
      '-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);',
      '-',
    ])
      expect(sql(text), JSON.stringify(text)).toBe(true);
  });

  it('knows the marker of a script stub', () => {
    expect(
      hasUnfinishedMarker(Buffer.from('// modkit:unfinished — delete this line\nexport async function up() {}\n')),
    ).toBe(true);
    expect(hasUnfinishedMarker(Buffer.from('export async function up(db) { await db.raw("SELECT 1"); }\n'))).toBe(
      false,
    );
  });
});
