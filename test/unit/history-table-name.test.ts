import { describe, it, expect } from 'vitest';
import { HISTORY_TABLE_PREFIX, historyTableName, historyTableNames } from '../../src/db/history-table-name.js';

describe('historyTableName', () => {
  it('matches the Rust runtime test vectors (SPEC §2.4)', async () => {
    expect(await historyTableName('users-info')).toBe('modkit_migrations__users_info__c7b6e355');
    expect(await historyTableName('simple-user-settings')).toBe('modkit_migrations__simple_user_settings__60a6fef3');
    expect(await historyTableName('_test')).toBe('modkit_migrations___test__f3747cc1');
  });

  it('cuts the sanitized part to 34 bytes, keeping the whole name under 63', async () => {
    const long = 'a'.repeat(40) + '-tail';
    const table = await historyTableName(long);
    expect(table).toMatch(new RegExp(`^${HISTORY_TABLE_PREFIX}a{34}__[0-9a-f]{8}$`));
    expect(table).toHaveLength(63);
    expect(await historyTableName('b'.repeat(34))).toMatch(/^modkit_migrations__b{34}__[0-9a-f]{8}$/);
    // Names differing only past the cut still get different tables through the hash.
    expect(await historyTableName(long + 'x')).not.toBe(table);
  });

  it('uses `_` for the empty name and hashes the empty string (XXH3-64 of "" = 2d06800538d394c2)', async () => {
    expect(await historyTableName('')).toBe('modkit_migrations_____2d068005');
  });

  it('replaces each non-ASCII code point by one `_` and hashes the UTF-8 bytes', async () => {
    const cafe = await historyTableName('café');
    expect(cafe).toMatch(/^modkit_migrations__caf___[0-9a-f]{8}$/);
    expect(cafe).toBe('modkit_migrations__caf___4c83dbd5');
    // Astral characters are one code point (two UTF-16 units) → still one `_`.
    expect(await historyTableName('a😀b')).toMatch(/^modkit_migrations__a_b__[0-9a-f]{8}$/);
    // `café` and `caf_` sanitize alike but hash differently.
    expect(await historyTableName('caf_')).not.toBe(cafe);
  });

  it('replaces `.`, `/` and spaces too', async () => {
    expect(await historyTableName('my.mod/x y')).toMatch(/^modkit_migrations__my_mod_x_y__[0-9a-f]{8}$/);
  });
});

describe('historyTableNames', () => {
  it('names many modules at once, the same as one by one', async () => {
    const names = ['users-info', '_test', 'users-info', 'café'];
    const tables = await historyTableNames(names);
    expect(tables.size).toBe(3);
    for (const name of names) expect(tables.get(name)).toBe(await historyTableName(name));
  });
});
