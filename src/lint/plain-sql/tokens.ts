/**
 * A small SQL scanner for ./create-table.ts: words, unsigned integers, plain strings and
 * punctuation, with the byte offset PostgreSQL's parser reports for each (its `location`s count
 * UTF-8 bytes). Whitespace and comments are skipped as PostgreSQL's scanner skips them (block
 * comments nest). Anything it does not know for certain — a quoted identifier, a dollar quote, an
 * escape, an operator, a non-ASCII character outside a comment — ends the scan with `undefined`:
 * the file then goes to PostgreSQL's own parser, which is always right.
 */

export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'int'; readonly value: number; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  | { readonly kind: 'punct'; readonly text: string; readonly at: number };

/** Integers above this are not taken (PostgreSQL makes larger ones a numeric, not an int). */
const MAX_INT = 2 ** 31 - 1;
const PUNCTUATION = new Set(['(', ')', ',', ';', '.', '[', ']']);

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
const isWordStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordPart = (c: number) => isWordStart(c) || isDigit(c);

/** The tokens of `sql` and its length in UTF-8 bytes, or undefined (see above). */
export function scanPlainSql(sql: string): { tokens: Token[]; bytes: number } | undefined {
  const tokens: Token[] = [];
  // `extra`: how many more UTF-8 bytes than UTF-16 units the text before `i` has (comments only).
  let extra = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      // -- to the end of the line
      let j = i + 2;
      while (j < n && sql.charCodeAt(j) !== 10 && sql.charCodeAt(j) !== 13) j++;
      extra += extraBytes(sql, i, j);
      i = j;
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const end = blockCommentEnd(sql, i);
      if (end === undefined) return undefined;
      extra += extraBytes(sql, i, end);
      i = end;
    } else if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(sql.charCodeAt(j))) j++;
      // `$` continues an identifier in PostgreSQL; not taken here.
      if (j < n && sql.charCodeAt(j) === 36) return undefined;
      tokens.push({ kind: 'word', text: sql.slice(i, j).toLowerCase(), at: i + extra });
      i = j;
    } else if (isDigit(c)) {
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      // 1.5, 1e3, 0x1f, 1_000, 12abc: not a plain integer (or not valid SQL).
      if (j < n && (isWordPart(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46 || sql.charCodeAt(j) === 36))
        return undefined;
      const value = Number(sql.slice(i, j));
      if (value > MAX_INT || (j - i > 1 && c === 48)) return undefined;
      tokens.push({ kind: 'int', value, at: i + extra });
      i = j;
    } else if (c === 39) {
      // 'text' without quotes, backslashes or line breaks inside (no escapes, no continuation), and
      // not right after a word (E'…', B'…', N'…' are other literals).
      if (i > 0 && isWordPart(sql.charCodeAt(i - 1))) return undefined;
      let j = i + 1;
      while (j < n) {
        const d = sql.charCodeAt(j);
        if (d === 39 || d === 92 || d === 10 || d === 13 || d > 126) break;
        j++;
      }
      if (sql.charCodeAt(j) !== 39 || sql.charCodeAt(j + 1) === 39) return undefined;
      tokens.push({ kind: 'string', value: sql.slice(i + 1, j), at: i + extra });
      i = j + 1;
    } else if (PUNCTUATION.has(sql[i]!)) {
      tokens.push({ kind: 'punct', text: sql[i]!, at: i + extra });
      i++;
    } else {
      return undefined;
    }
  }
  return { tokens, bytes: n + extra };
}

/** Where a (nesting) block comment starting at `i` ends, or undefined when it does not. */
function blockCommentEnd(sql: string, i: number): number | undefined {
  let depth = 0;
  let j = i;
  while (j < sql.length) {
    if (sql.charCodeAt(j) === 47 && sql.charCodeAt(j + 1) === 42) {
      depth++;
      j += 2;
    } else if (sql.charCodeAt(j) === 42 && sql.charCodeAt(j + 1) === 47) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return undefined;
}

/** UTF-8 bytes beyond one per UTF-16 unit in `sql[from, to)`. */
function extraBytes(sql: string, from: number, to: number): number {
  let extra = 0;
  for (let k = from; k < to; k++) {
    const c = sql.charCodeAt(k);
    if (c < 0x80) continue;
    // 2 bytes below U+0800; 3 for the rest of the BMP; a surrogate pair is 4 bytes for 2 units.
    extra += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdfff ? 1 : 2;
  }
  return extra;
}
