import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { checksumOf } from '../../src/modules/checksum.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('checksumOf', () => {
  it('is the sha256 hex of the bytes', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(checksumOf('abc')).toBe(abc);
    expect(checksumOf(Buffer.from('abc'))).toBe(abc);
    expect(checksumOf('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes CRLF like LF', () => {
    const lf = 'CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n';
    expect(checksumOf(lf.replaceAll('\n', '\r\n'))).toBe(checksumOf(lf));
    expect(checksumOf(Buffer.from('\r\n\r\nx\r\n'))).toBe(checksumOf('\n\nx\n'));
  });

  it('keeps a lone CR, and CR CR LF becomes CR LF', () => {
    expect(checksumOf('a\rb')).not.toBe(checksumOf('a\nb'));
    expect(checksumOf('a\rb')).toBe(sha256(Buffer.from('a\rb')));
    expect(checksumOf('a\r')).toBe(sha256(Buffer.from('a\r')));
    expect(checksumOf('a\r\r\nb')).toBe(sha256(Buffer.from('a\r\nb')));
  });

  it('hashes invalid UTF-8 bytes as they are', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x0d, 0x0a, 0xc3, 0x28, 0x0d]);
    expect(checksumOf(bytes)).toBe(sha256(Buffer.from([0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0d])));
    // Decoding as UTF-8 would have replaced those bytes with U+FFFD and changed the hash.
    expect(checksumOf(bytes)).not.toBe(checksumOf(bytes.toString('utf8')));
  });
});
