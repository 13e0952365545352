import { randomBytes } from 'node:crypto';

/**
 * A new run id: a UUID version 7 (RFC 9562), whose first 48 bits are the time in ms. Ids of later
 * runs therefore sort after earlier ones as plain strings, which `rollback --last-run` relies on:
 * `applied_at` alone cannot tell two runs apart on SQLite, whose datetime('now') counts seconds.
 *
 * @example
 * newRunId() // → '019ad4e4-3b1c-7a2f-9c41-5e0d6a2b7f10'
 */
export function newRunId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
