/**
 * Migration checksums (SPEC §2.3): sha256 of the file's bytes with CRLF normalised to LF, so a
 * checkout with `core.autocrlf` does not look like drift.
 */
import { createHash } from 'node:crypto';

const CR = 0x0d;
const LF = 0x0a;

/**
 * Hex sha256 of `content` with every `\r\n` pair hashed as `\n`; a lone `\r` is kept.
 * Works on bytes, never decoding them, so a file with invalid UTF-8 hashes exactly as stored.
 * A string is hashed as its UTF-8 encoding.
 *
 * @example
 * checksumOf('a\r\nb') === checksumOf('a\nb') // → true
 */
export function checksumOf(content: Buffer | string): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const hash = createHash('sha256');
  let cr = bytes.indexOf(CR);
  if (cr === -1) return hash.update(bytes).digest('hex');
  // Feed the hash the slices between dropped CRs: no copy of the file is made.
  let from = 0;
  while (cr !== -1) {
    if (bytes[cr + 1] === LF) {
      hash.update(bytes.subarray(from, cr));
      from = cr + 1;
    }
    cr = bytes.indexOf(CR, cr + 1);
  }
  hash.update(bytes.subarray(from));
  return hash.digest('hex');
}
