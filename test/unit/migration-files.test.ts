import { describe, expect, it } from 'vitest';
import { classifyMigrationFile, compareIds } from '../../src/modules/migration-files.js';

describe('classifyMigrationFile', () => {
  it.each([
    ['0001_users.sql', { kind: 'sql', id: '0001_users', direction: 'both' }],
    ['0001_users.up.sql', { kind: 'sql', id: '0001_users', direction: 'up' }],
    ['0001_users.down.sql', { kind: 'sql', id: '0001_users', direction: 'down' }],
    ['0002_backfill.ts', { kind: 'script', id: '0002_backfill' }],
    ['0002_backfill.mjs', { kind: 'script', id: '0002_backfill' }],
    ['0003_add-index.js', { kind: 'script', id: '0003_add-index' }],
    ['m0001_init.sql', { kind: 'sql', id: 'm0001_init', direction: 'both' }],
  ])('%s is a migration', (name, expected) => {
    expect(classifyMigrationFile(name)).toEqual(expected);
  });

  it.each([
    '.DS_Store',
    '.gitkeep',
    '_helpers.ts',
    '0001_users.d.ts',
    '0001_users.js.map',
    'README.md',
    'notes.txt',
    'LICENSE',
  ])('%s is ignored', (name) => {
    expect(classifyMigrationFile(name)).toEqual({ kind: 'ignored' });
  });

  it.each(['users.sql', 'add users.sql', '0001 users.sql', '0001_users.psql', 'helpers.ts', '0001_users.SQL'])(
    '%s is misnamed',
    (name) => {
      expect(classifyMigrationFile(name).kind).toBe('misnamed');
    },
  );
});

describe('compareIds', () => {
  it('sorts by bytes, like the Rust runtime, not by locale', () => {
    const ids = ['0010_b', '0002_a', '0002_B', '0001_z', 'm0001_x'];
    expect([...ids].sort(compareIds)).toEqual(['0001_z', '0002_B', '0002_a', '0010_b', 'm0001_x']);
  });

  it('orders by UTF-8 bytes for any text a history table may hold (astral characters too)', () => {
    const ids = [
      '0001_a',
      '0001_é',
      '0001_\u{E000}',
      '0001_\u{FFFD}',
      '0001_😀',
      '0001_\u{10FFFF}',
      '0001_',
      '0001_a😀',
      '0001_aé',
      '',
    ];
    for (const a of ids) {
      for (const b of ids) {
        expect(Math.sign(compareIds(a, b)), `${a} vs ${b}`).toBe(
          Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
      }
    }
  });
});
