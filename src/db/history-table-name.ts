/**
 * The one source of truth for history table names (SPEC §2.4). They must equal the Rust
 * runtime's `migration_table_name` (modkit-db `migration_runner.rs`) byte for byte, so that
 * both runtimes read and write the same history.
 */
import { xxh3Hex } from './xxh3.js';

/** Every history table name starts with this. */
export const HISTORY_TABLE_PREFIX = 'modkit_migrations__';

/** 63 (PostgreSQL identifier limit) − prefix (19) − `__` (2) − hash8 (8). */
const MAX_SANITIZED_BYTES = 34;

const utf8 = new TextEncoder();

/**
 * Rust `chars()` semantics: each Unicode code point outside `[A-Za-z0-9_]` becomes one `_`
 * (so `café` → `caf_`, one `_` for `é` although it is two UTF-8 bytes). The result is ASCII,
 * so cutting it at a byte count is cutting it at a char count.
 */
function sanitize(name: string): string {
  // The `u` flag makes the class match whole code points (a lone surrogate counts as one).
  const out = name.replace(/[^A-Za-z0-9_]/gu, '_');
  return out === '' ? '_' : out.slice(0, MAX_SANITIZED_BYTES);
}

/**
 * The history table of a module, named as the Rust runtime names it:
 * `modkit_migrations__<sanitized>__<hash8>`, where hash8 is the first 8 hex digits of the
 * XXH3-64 (seed 0) of the UTF-8 name printed as Rust's `format!("{hash:016x}")`.
 *
 * @example
 * historyTableNameSync('users-info') // → 'modkit_migrations__users_info__c7b6e355'
 */
export function historyTableNameSync(moduleName: string): string {
  const hash16 = xxh3Hex(utf8.encode(moduleName));
  return `${HISTORY_TABLE_PREFIX}${sanitize(moduleName)}__${hash16.slice(0, 8)}`;
}

/**
 * {@link historyTableNameSync}, kept async for existing callers.
 *
 * @example
 * await historyTableName('users-info') // → 'modkit_migrations__users_info__c7b6e355'
 */
export async function historyTableName(moduleName: string): Promise<string> {
  return historyTableNameSync(moduleName);
}

/**
 * History table names of many modules at once, keyed by module name (async for existing callers).
 *
 * @example
 * const tables = await historyTableNames(['users-info', '_test']);
 * tables.get('_test') // → 'modkit_migrations___test__f3747cc1'
 */
export async function historyTableNames(names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of names) if (!out.has(name)) out.set(name, historyTableNameSync(name));
  return out;
}
