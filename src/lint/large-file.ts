/**
 * A SQL migration file too large to hold whole for the lint (a data load): it is read a window at
 * a time (./segments.ts), its no-transaction marker read from its head. A file with goose or dbmate
 * sections goes the usual way (src/modules/load-body.ts picks its up section).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { readDirectives, splitSections } from '../modules/directives.js';
import type { Migration } from '../modules/types.js';
import { WHOLE_FILE_LIMIT, type SqlSource } from './parse-statements.js';

/** Markers live in the leading comment block: this much of the file holds it. */
const HEAD_BYTES = 64 << 10;

export function largeFileSource(migration: Migration): { source: SqlSource; transactional: boolean } | undefined {
  const file = migration.file;
  if (
    migration.inline ||
    migration.format !== 'sql' ||
    !file ||
    (migration.size ?? statSync(file).size) <= WHOLE_FILE_LIMIT
  )
    return undefined;
  const head = readHead(file);
  if (splitSections(head)) return undefined;
  return { source: { file }, transactional: !readDirectives(head).noTransaction };
}

function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const read = readSync(fd, buffer, 0, HEAD_BYTES, 0);
    // A character cut at the end of the head is left out, not turned into U+FFFD.
    return new StringDecoder('utf8').write(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}
