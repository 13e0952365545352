/**
 * Unfinished migrations: what `modkit new` writes before a person fills it in. One is never
 * applied: applied, it would change nothing, be recorded as done, and the SQL written into it
 * later would count as drift. Loading a project refuses it (exit 2), naming the file and what
 * to do; only commands that apply nothing (`new`, `graph`, `validate`, which reports it) load
 * past it, and then it is listed in `LoadedModule.unfinished`, never among `migrations`.
 *
 * A SQL migration is unfinished while it holds only comments (and blanks or `;`). A script cannot
 * be judged without running it, so the stub `modkit new --ts` writes carries {@link UNFINISHED_MARKER}
 * on a line of its own, which the person deletes once `up` and `down` are written.
 */
import type { Migration } from './types.js';

export const UNFINISHED_MARKER = 'modkit:unfinished';

const SLASH = 0x2f;
const STAR = 0x2a;
const DASH = 0x2d;
const NL = 0x0a;

/**
 * True when the SQL text has something besides comments, blanks and `;`. Stops at the first such
 * byte, so a real migration costs a few bytes of scanning: this runs on every file of every
 * command. Block comments nest, as PostgreSQL's do.
 */
export function hasSqlStatement(bytes: Uint8Array): boolean {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i]!;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x3b) {
      i += 1;
    } else if (c === DASH && bytes[i + 1] === DASH) {
      while (i < n && bytes[i] !== NL) i += 1;
    } else if (c === SLASH && bytes[i + 1] === STAR) {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (bytes[i] === SLASH && bytes[i + 1] === STAR) (depth += 1), (i += 2);
        else if (bytes[i] === STAR && bytes[i + 1] === SLASH) (depth -= 1), (i += 2);
        else i += 1;
      }
    } else if (c === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) {
      i += 3; // a UTF-8 BOM
    } else {
      return true;
    }
  }
  return false;
}

/** True when a script migration still carries the marker `modkit new --ts` wrote. */
export function hasUnfinishedMarker(bytes: Buffer): boolean {
  return bytes.includes(UNFINISHED_MARKER);
}

/** The sentence that says why an unfinished migration is refused and what to do. */
export function unfinishedProblem(migration: Migration): string {
  const { module, id, format, file, downFile } = migration;
  const where = file ?? 'inline';
  const what =
    format === 'sql'
      ? `it holds only comments, so it would change nothing and be recorded as applied. Write its SQL${downFile ? ` (and the down in ${downFile})` : ''}`
      : `it still has the "${UNFINISHED_MARKER}" line that \`modkit new\` wrote. Write up() and down(), then delete that line`;
  return `module "${module}": migration ${id} (${where}) is unfinished: ${what}, or delete the file if the migration is not needed. modkit never applies an unfinished migration${format === 'sql' ? ' (a deliberate no-op can say SELECT 1;)' : ''}.`;
}
