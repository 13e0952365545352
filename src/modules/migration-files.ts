/**
 * The naming rules of migration files (SPEC §2.3), in one place: which files are migrations,
 * which are ignored, and which look like migrations but are misnamed.
 */

/** `0001_users`; an optional leading letter accepts Rust-style ids such as `m0001_init`. */
export const MIGRATION_ID_PATTERN = /^[A-Za-z]?\d+(?:_[A-Za-z0-9_-]*)?$/;

/** What follows the id of a script migration's file name (`0001_seed.ts`). */
const SCRIPT_EXTENSIONS = new Set(['ts', 'mts', 'cts', 'js', 'mjs', 'cjs']);

export type MigrationFileName =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'sql'; readonly id: string; readonly direction: 'up' | 'down' | 'both' }
  | { readonly kind: 'script'; readonly id: string }
  | { readonly kind: 'misnamed'; readonly reason: string };

const IGNORED: MigrationFileName = { kind: 'ignored' };

/**
 * Classifies one directory entry of a migrations directory: `<id>.sql`, `<id>.up.sql`,
 * `<id>.down.sql`, or `<id>.<ts|mts|cts|js|mjs|cjs>`. Read by suffix rather than by a regular
 * expression with a lazy id (`^(.+?)(\.(up|down))?\.sql$` tried every length of the id: 2 µs a
 * name, a run of 1,000 migrations lists 2,000).
 */
export function classifyMigrationFile(name: string): MigrationFileName {
  if (isIgnored(name)) return IGNORED;
  if (name.endsWith('.sql') && name.length > 4) {
    const stem = name.slice(0, -4);
    const direction =
      stem.endsWith('.up') && stem.length > 3 ? 'up' : stem.endsWith('.down') && stem.length > 5 ? 'down' : 'both';
    const id = direction === 'up' ? stem.slice(0, -3) : direction === 'down' ? stem.slice(0, -5) : stem;
    return MIGRATION_ID_PATTERN.test(id) ? { kind: 'sql', id, direction } : misnamed(name);
  }
  const dot = name.lastIndexOf('.');
  if (dot > 0 && SCRIPT_EXTENSIONS.has(name.slice(dot + 1))) {
    const id = name.slice(0, dot);
    return MIGRATION_ID_PATTERN.test(id) ? { kind: 'script', id } : misnamed(name);
  }
  return misnamed(name);
}

/**
 * Files that are never migrations: dotfiles, `_helpers.ts`, type declarations, source maps and
 * docs (knex #4517 loaded `.d.ts` and `.map` files as migrations).
 */
function isIgnored(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.startsWith('_') ||
    /\.d\.[cm]?ts$/.test(name) ||
    /\.(map|md|markdown|txt|json|snap)$/i.test(name) ||
    /^(readme|license|changelog)(\..*)?$/i.test(name)
  );
}

function misnamed(name: string): MigrationFileName {
  return {
    kind: 'misnamed',
    reason:
      `"${name}" is not a valid migration file name: use NNNN_name.sql, NNNN_name.up.sql + NNNN_name.down.sql, ` +
      'or NNNN_name.ts/.js/.mjs (id: digits, then _ and letters, digits, _ or -); ' +
      'prefix helper files with "_" to keep them in this directory',
  };
}

/**
 * Byte-order comparison of ids' UTF-8, as the Rust runtime sorts them (not locale order).
 * Comparing UTF-16 code units gives the same order except around surrogate pairs, so only
 * strings with one pay for encoding (ids are ASCII; history rows from other tools may not be).
 */
export function compareIds(a: string, b: string): number {
  if (HAS_SURROGATE.test(a) || HAS_SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

const HAS_SURROGATE = /[\uD800-\uDFFF]/;
