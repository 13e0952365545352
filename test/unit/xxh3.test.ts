import { describe, it, expect, beforeAll } from 'vitest';
// hash-wasm is the oracle here only: src/ must not import it (its WASM costs ~30 ms at start-up).
import { createXXHash3 } from 'hash-wasm';
import type { IHasher } from 'hash-wasm';
import { xxh3, xxh3Hex } from '../../src/db/xxh3.js';
import { historyTableName, historyTableNameSync } from '../../src/db/history-table-name.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** mulberry32: deterministic pseudo-random numbers in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function randomBytes(rand: () => number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** XXH3-64 from hash-wasm, as 16 hex digits (the same format as `xxh3Hex`). */
const oracle = (h: IHasher, bytes: Uint8Array): string => h.init().update(bytes).digest('hex');

let seed0: IHasher;
beforeAll(async () => {
  seed0 = await createXXHash3(0, 0);
});

describe('xxh3', () => {
  it('hashes the empty input to the reference value', () => {
    expect(xxh3Hex(new Uint8Array(0))).toBe('2d06800538d394c2');
    expect(xxh3(new Uint8Array(0))).toBe(0x2d06800538d394c2n);
  });

  it('gives the hashes behind the Rust history-table vectors (SPEC §2.4)', () => {
    expect(xxh3Hex(utf8('users-info')).slice(0, 8)).toBe('c7b6e355'); // 10 bytes: 9–16 path
    expect(xxh3Hex(utf8('simple-user-settings')).slice(0, 8)).toBe('60a6fef3'); // 20 bytes: 17–128 path
    expect(xxh3Hex(utf8('_test')).slice(0, 8)).toBe('f3747cc1'); // 5 bytes: 4–8 path
    expect(historyTableNameSync('users-info')).toBe('modkit_migrations__users_info__c7b6e355');
    expect(historyTableNameSync('simple-user-settings')).toBe('modkit_migrations__simple_user_settings__60a6fef3');
    expect(historyTableNameSync('_test')).toBe('modkit_migrations___test__f3747cc1');
  });

  it('matches hash-wasm for every length 0..1100 (all paths and their boundaries)', () => {
    const rand = prng(0x5eed);
    const mismatches: string[] = [];
    for (let len = 0; len <= 1100; len++) {
      const bytes = randomBytes(rand, len);
      const want = oracle(seed0, bytes);
      const got = xxh3Hex(bytes);
      if (got !== want) mismatches.push(`len ${len}: got ${got}, want ${want}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('matches hash-wasm over several 1024-byte blocks (scramble between blocks)', () => {
    const rand = prng(7);
    for (const len of [2047, 2048, 2049, 3072, 4097, 10_000]) {
      const bytes = randomBytes(rand, len);
      expect(xxh3Hex(bytes), `len ${len}`).toBe(oracle(seed0, bytes));
    }
  });

  it('matches hash-wasm on a few hundred random strings, non-ASCII included', () => {
    const rand = prng(42);
    const pool = ['a', 'Z', '9', '_', '-', '.', '/', ' ', 'é', 'ß', 'ж', '中', '😀', '𝔸', '\u0000', '\n'];
    for (let i = 0; i < 400; i++) {
      // Mostly module-name sized, sometimes long enough for the 129–240 and > 240 paths.
      const n = Math.floor(rand() * (i % 10 === 0 ? 400 : 64));
      let s = '';
      for (let j = 0; j < n; j++) {
        s +=
          rand() < 0.7 ? pool[Math.floor(rand() * pool.length)] : String.fromCodePoint(Math.floor(rand() * 0xd7ff) + 1);
      }
      expect(xxh3Hex(utf8(s)), JSON.stringify(s)).toBe(oracle(seed0, utf8(s)));
    }
  });

  it('reads a view with a non-zero byteOffset (e.g. a pooled Buffer) correctly', () => {
    const rand = prng(3);
    const backing = randomBytes(rand, 1200);
    for (const [start, len] of [
      [1, 3],
      [3, 7],
      [5, 13],
      [7, 31],
      [9, 100],
      [11, 200],
      [13, 999],
    ] as const) {
      const view = backing.subarray(start, start + len);
      expect(xxh3Hex(view)).toBe(oracle(seed0, view.slice()));
    }
  });

  it('matches hash-wasm with non-zero seeds, long inputs included (derived secret)', async () => {
    const rand = prng(99);
    const seeds: Array<[number, number]> = [
      [1, 0],
      [0xdeadbeef, 0x12345678],
      [0xffffffff, 0xffffffff],
    ];
    for (const [lo, hi] of seeds) {
      const h = await createXXHash3(lo, hi);
      const seed = (BigInt(hi) << 32n) | BigInt(lo);
      for (const len of [0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1024, 1025, 2100]) {
        const bytes = randomBytes(rand, len);
        expect(xxh3Hex(bytes, seed), `seed ${seed} len ${len}`).toBe(oracle(h, bytes));
      }
    }
  });
});

describe('historyTableNameSync', () => {
  it('agrees with the async historyTableName', async () => {
    for (const name of ['', 'users-info', 'café', 'a😀b', 'x'.repeat(300)]) {
      expect(historyTableNameSync(name)).toBe(await historyTableName(name));
    }
  });
});
