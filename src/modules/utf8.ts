import { isUtf8 } from 'node:buffer';
import { UsageError } from '../errors.js';

/**
 * SQL files must be UTF-8. Node's decoder replaces invalid bytes with U+FFFD without a word, so
 * a Latin-1 file would create a column named `caf�`: refused instead, with where and what.
 */

/** Where the first invalid UTF-8 sequence of `bytes` starts, or undefined when all of it is UTF-8. */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  // Native (simdutf) validation first: the common, valid case costs a few µs per file.
  if (isUtf8(bytes)) return undefined;
  return firstInvalidSequence(bytes);
}

/** A sentence naming the file, the byte offset, the line and the bytes of its first invalid sequence; undefined when valid. */
export function describeInvalidUtf8(bytes: Uint8Array, file: string): string | undefined {
  const offset = invalidUtf8Offset(bytes);
  if (offset === undefined) return undefined;
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  const shown = [...bytes.subarray(offset, offset + 4)]
    .map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`)
    .join(' ');
  return (
    `${file} is not valid UTF-8: the sequence at byte offset ${offset} (line ${line}) is invalid (${shown}). ` +
    'Save the file as UTF-8 (it may be Latin-1 or Windows-1252); modkit does not guess encodings'
  );
}

/**
 * Decodes a SQL file's bytes, or throws a UsageError (exit 2) naming the file and the byte offset
 * of the first invalid sequence. For every place that reads SQL to run it.
 */
export function decodeUtf8File(bytes: Uint8Array, file: string): string {
  const problem = describeInvalidUtf8(bytes, file);
  if (problem) throw new UsageError(problem, { details: { file } });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** RFC 3629: no overlong forms, no surrogates (U+D800–DFFF), nothing above U+10FFFF. */
function firstInvalidSequence(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    // The second byte's range excludes overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return undefined;
}
