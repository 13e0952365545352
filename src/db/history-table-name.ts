/**
 * The one source of truth for history table names (SPEC §2.4). They must equal the Rust
 * runtime's `migration_table_name` (modkit-db `migration_runner.rs`) byte for byte, so that
 * both runtimes read and write the same history.
 */
import { createXXHash3 } from 'hash-wasm';
import type { IHasher } from 'hash-wasm';

/** Every history table name starts with this. */
export const HISTORY_TABLE_PREFIX = 'modkit_migrations__';

/** 63 (PostgreSQL identifier limit) − prefix (19) − `__` (2) − hash8 (8). */
const MAX_SANITIZED_BYTES = 34;

let hasher: Promise<IHasher> | undefined;

/** One WASM hasher for the process, created on first use; a failed creation is retried next time. */
function getHasher(): Promise<IHasher> {
  hasher ??= createXXHash3(0, 0).catch((error: unknown) => {
    hasher = undefined;
    throw error;
  });
  return hasher;
}

/**
 * Rust `chars()` semantics: each Unicode code point outside `[A-Za-z0-9_]` becomes one `_`
 * (so `café` → `caf_`, one `_` for `é` although it is two UTF-8 bytes). The result is ASCII,
 * so cutting it at a byte count is cutting it at a char count.
 */
function sanitize(name: string): string {
  let out = '';
  for (const ch of name) out += /^[A-Za-z0-9_]$/.test(ch) ? ch : '_';
  return out === '' ? '_' : out.slice(0, MAX_SANITIZED_BYTES);
}

/** The synchronous part, once the hasher exists. init/update/digest never yield, so sharing the hasher is safe. */
function nameWith(h: IHasher, moduleName: string): string {
  // hash-wasm digests XXH3-64 as 16 big-endian hex digits, i.e. Rust's `format!("{hash:016x}")`.
  const hash16 = h.init().update(Buffer.from(moduleName, 'utf8')).digest('hex');
  return `${HISTORY_TABLE_PREFIX}${sanitize(moduleName)}__${hash16.slice(0, 8)}`;
}

/**
 * The history table of a module, named as the Rust runtime names it:
 * `modkit_migrations__<sanitized>__<hash8>`.
 *
 * @example
 * await historyTableName('users-info') // → 'modkit_migrations__users_info__c7b6e355'
 */
export async function historyTableName(moduleName: string): Promise<string> {
  return nameWith(await getHasher(), moduleName);
}

/**
 * History table names of many modules at once, keyed by module name.
 *
 * @example
 * const tables = await historyTableNames(['users-info', '_test']);
 * tables.get('_test') // → 'modkit_migrations___test__f3747cc1'
 */
export async function historyTableNames(names: readonly string[]): Promise<Map<string, string>> {
  const h = await getHasher();
  const out = new Map<string, string>();
  for (const name of names) if (!out.has(name)) out.set(name, nameWith(h, name));
  return out;
}
