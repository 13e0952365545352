import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeUtf8File, describeInvalidUtf8, invalidUtf8Offset } from '../../src/modules/utf8.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('invalidUtf8Offset', () => {
  it('accepts UTF-8, a BOM and every plane', () => {
    expect(invalidUtf8Offset(bytes('CREATE TABLE café (x int); -- ✓ 😀'))).toBeUndefined();
    expect(invalidUtf8Offset(bytes([0xef, 0xbb, 0xbf], 'SELECT 1;'))).toBeUndefined();
    expect(invalidUtf8Offset(bytes([0xf4, 0x8f, 0xbf, 0xbf]))).toBeUndefined(); // U+10FFFF
    expect(invalidUtf8Offset(new Uint8Array())).toBeUndefined();
  });

  it('finds the first byte of the first invalid sequence', () => {
    expect(invalidUtf8Offset(bytes('CREATE TABLE caf', [0xe9], ' (x int);'))).toBe(16); // Latin-1 é
    expect(invalidUtf8Offset(bytes('ab', [0xc0, 0xaf]))).toBe(2); // overlong /
    expect(invalidUtf8Offset(bytes('ab', [0xe0, 0x80, 0xaf]))).toBe(2); // overlong, 3 bytes
    expect(invalidUtf8Offset(bytes('ab', [0xed, 0xa0, 0x80]))).toBe(2); // a surrogate
    expect(invalidUtf8Offset(bytes('ab', [0xf4, 0x90, 0x80, 0x80]))).toBe(2); // above U+10FFFF
    expect(invalidUtf8Offset(bytes('é', [0xe2, 0x82]))).toBe(2); // cut at the end of the file
    expect(invalidUtf8Offset(bytes('a', [0x80]))).toBe(1); // a lone continuation byte
    expect(invalidUtf8Offset(bytes('a', [0xe2, 0x28, 0xa1]))).toBe(1); // a broken continuation
  });

  it('agrees with Node on 5,000 random byte strings: the prefix before it is valid, no sequence starts there', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    // Mostly ASCII and well-formed lead/continuation bytes, so that invalid spots come late too.
    const pool = [
      0x41, 0x0a, 0x80, 0xa0, 0xbf, 0x8f, 0x90, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xc0, 0xff,
    ];
    const disagreements: string[] = [];
    let invalid = 0;
    for (let n = 0; n < 5_000; n++) {
      const input = Uint8Array.from(
        { length: 1 + Math.floor(random() * 12) },
        () => pool[Math.floor(random() * pool.length)]!,
      );
      const offset = invalidUtf8Offset(input);
      const agrees =
        offset === undefined
          ? isUtf8(input)
          : isUtf8(input.subarray(0, offset)) &&
            [1, 2, 3, 4].every((length) => !isUtf8(input.subarray(offset, offset + length)));
      if (offset !== undefined) invalid++;
      if (!agrees) disagreements.push(`${Buffer.from(input).toString('hex')} -> ${offset}`);
    }
    expect(disagreements).toEqual([]);
    expect(invalid).toBeGreaterThan(1_000); // the pool makes both kinds common
    expect(invalid).toBeLessThan(5_000);
  });
});

describe('describeInvalidUtf8 and decodeUtf8File', () => {
  it('name the file, the byte offset, the line and the bytes', () => {
    const latin1 = bytes('-- users\nCREATE TABLE caf', [0xe9], ' (x int);\n');
    expect(describeInvalidUtf8(latin1, '/app/0001_x.sql')).toBe(
      '/app/0001_x.sql is not valid UTF-8: the sequence at byte offset 25 (line 2) is invalid (0xE9 0x20 0x28 0x78). ' +
        'Save the file as UTF-8 (it may be Latin-1 or Windows-1252); modkit does not guess encodings',
    );
    expect(() => decodeUtf8File(latin1, '/app/0001_x.sql')).toThrow(/byte offset 25/);
    expect(decodeUtf8File(bytes('SELECT ✓;'), '/app/0001_x.sql')).toBe('SELECT ✓;');
  });
});
