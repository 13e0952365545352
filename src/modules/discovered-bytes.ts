import type { Migration } from './types.js';

/**
 * The bytes discovery read to checksum a SQL migration, kept for the one run that needs its text:
 * a run then executes exactly the bytes whose checksum it records, and reads no file twice.
 * Taken once (a second load reads the file again). Only small files are kept: a project holds at
 * most this much per migration, however long the process lives.
 */
const KEPT_UP_TO_BYTES = 16 * 1024;

const discovered = new WeakMap<Migration, Buffer>();

export function keepDiscoveredBytes(migration: Migration, bytes: Buffer): void {
  if (bytes.length <= KEPT_UP_TO_BYTES) discovered.set(migration, bytes);
}

/** The bytes discovery read for `migration`'s up file, if kept and not taken yet. */
export function takeDiscoveredBytes(migration: Migration): Buffer | undefined {
  const bytes = discovered.get(migration);
  if (bytes) discovered.delete(migration);
  return bytes;
}
