/**
 * Splits a migration file into statements (SPEC §2.3: "a SQL file may hold many statements ...
 * all of them run, on every engine"). Drivers run one statement per call on SQLite and we want
 * per-statement error positions on PostgreSQL, so splitting is ours, not the driver's.
 *
 * One left-to-right pass; quoted/commented regions are skipped with `indexOf`, so the cost is
 * linear in the file size. The block heuristics follow psql's own lexer (psqlscan.l): a `;`
 * ends a statement only outside parentheses and outside a BEGIN..END body of
 * `CREATE [OR REPLACE] {FUNCTION|PROCEDURE|TRIGGER}` (SQLite trigger bodies, PostgreSQL
 * `BEGIN ATOMIC`), where CASE..END nests.
 */

/** One statement of a SQL file. */
export interface SqlStatement {
  /** The statement, trimmed, without its trailing `;`; comments inside it are kept. */
  readonly text: string;
  /** 1-based line in the file where the statement starts (first non-blank, non-comment char). */
  readonly line: number;
  /** 0-based char (UTF-16 code unit) offset of that start in the file. */
  readonly offset: number;
}

const NL = 10;
const QUOTE = 39; // '
const DQUOTE = 34; // "
const BACKTICK = 96; // `
const DOLLAR = 36;
const BACKSLASH = 92;
const SEMI = 59;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xfeff; // a BOM is not part of the first statement
}
/** PostgreSQL identifier start (also dollar-quote tag start): letters, `_`, any non-ASCII. */
function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}
function isTagChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
/** Identifiers may continue with `$` in PostgreSQL, so `a$b$` is a name, not a dollar quote. */
function isIdentChar(c: number): boolean {
  return isTagChar(c) || c === DOLLAR;
}

/** Index just past the closing `quote`; a doubled quote is an escaped one. */
function skipQuoted(sql: string, from: number, quote: number, backslashEscapes: boolean): number {
  const n = sql.length;
  let i = from;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslashEscapes && c === BACKSLASH) i += 2;
    else if (c === quote) {
      if (sql.charCodeAt(i + 1) !== quote) return i + 1;
      i += 2;
    } else i++;
  }
  return n;
}

/** Index just past a (nested, as PostgreSQL allows) block comment opened at `from - 2`. */
function skipBlockComment(sql: string, from: number): number {
  const n = sql.length;
  let depth = 1;
  let i = from;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 42 && sql.charCodeAt(i + 1) === 47) {
      i += 2;
      if (--depth === 0) return i;
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      i += 2;
      depth++;
    } else i++;
  }
  return n;
}

/** If a dollar-quote opener (`$$` or `$tag$`) starts at `i`, the index past its closer; else -1. `$1` is not one. */
function skipDollarQuote(sql: string, i: number): number {
  let j = i + 1;
  if (sql.charCodeAt(j) !== DOLLAR) {
    if (!isIdentStart(sql.charCodeAt(j))) return -1;
    while (isTagChar(sql.charCodeAt(j))) j++;
    if (sql.charCodeAt(j) !== DOLLAR) return -1;
  }
  const tag = sql.slice(i, j + 1);
  const close = sql.indexOf(tag, j + 1);
  return close === -1 ? sql.length : close + tag.length;
}

/**
 * Where we are in `CREATE [OR REPLACE] [TEMP|TEMPORARY|CONSTRAINT] {FUNCTION|PROCEDURE|TRIGGER}`.
 * Only statements with that head can own a BEGIN..END body whose `;`s do not end them.
 */
type Head = 'start' | 'create' | 'or' | 'replace' | 'modifier' | 'block' | 'plain';

function advanceHead(head: Head, word: string): Head {
  const isTarget = word === 'function' || word === 'procedure' || word === 'trigger';
  const isModifier = word === 'temp' || word === 'temporary' || word === 'constraint';
  switch (head) {
    case 'start':
      return word === 'create' ? 'create' : 'plain';
    case 'create':
      return word === 'or' ? 'or' : isTarget ? 'block' : isModifier ? 'modifier' : 'plain';
    case 'or':
      return word === 'replace' ? 'replace' : 'plain';
    case 'replace':
      return isTarget ? 'block' : isModifier ? 'modifier' : 'plain';
    case 'modifier':
      return isTarget ? 'block' : 'plain';
    default:
      return head;
  }
}

/**
 * Splits SQL text into statements on top-level `;`.
 *
 * Semicolons do not split inside `--` and nested `/* *\/` comments, `'...'` (with `''`),
 * `E'...'` (with backslash escapes), `"..."`, `` `...` ``, `$$...$$` / `$tag$...$tag$`,
 * parentheses, or the BEGIN..END body of a CREATE TRIGGER / FUNCTION / PROCEDURE.
 * Empty and comment-only statements are dropped.
 *
 * @example
 * splitSqlStatements('-- users\nCREATE TABLE a (x int);\nINSERT INTO a VALUES (1);')
 * // → [{ text: 'CREATE TABLE a (x int)', line: 2, offset: 9 },
 * //    { text: 'INSERT INTO a VALUES (1)', line: 3, offset: 33 }]
 */
export function splitSqlStatements(sql: string): SqlStatement[] {
  const found: { start: number; end: number }[] = [];
  const n = sql.length;
  let start = -1; // first significant char of the current statement
  let parens = 0;
  let blockDepth = 0;
  let head: Head = 'start';
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      // -- line comment
      const eol = sql.indexOf('\n', i + 2);
      i = eol === -1 ? n : eol + 1;
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      i = skipBlockComment(sql, i + 2);
      continue;
    }
    if (c === SEMI && parens === 0 && blockDepth === 0) {
      if (start !== -1) found.push({ start, end: i });
      start = -1;
      head = 'start';
      i++;
      continue;
    }
    if (start === -1) start = i;
    if (c === QUOTE) i = skipQuoted(sql, i + 1, QUOTE, false);
    else if (c === DQUOTE) i = skipQuoted(sql, i + 1, DQUOTE, false);
    else if (c === BACKTICK) i = skipQuoted(sql, i + 1, BACKTICK, false);
    else if (c === DOLLAR) {
      const end = skipDollarQuote(sql, i);
      i = end === -1 ? i + 1 : end;
    } else if (c === 40) {
      parens++;
      i++;
    } else if (c === 41) {
      if (parens > 0) parens--;
      i++;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(sql.charCodeAt(j))) j++;
      if (j === i + 1 && (c === 69 || c === 101) && sql.charCodeAt(j) === QUOTE) {
        i = skipQuoted(sql, j + 1, QUOTE, true); // E'...' escape string
        continue;
      }
      // Only look at the word when it can matter: keeps big INSERT files free of per-word slicing.
      if (head !== 'plain' && parens === 0 && j - i <= 10) {
        const word = sql.slice(i, j).toLowerCase();
        if (head !== 'block') head = advanceHead(head, word);
        else if (word === 'begin') blockDepth++;
        else if (word === 'case') {
          if (blockDepth > 0) blockDepth++;
        } // CASE..END nests only inside a body
        else if (word === 'end' && blockDepth > 0) blockDepth--;
      }
      i = j;
    } else i++;
  }
  if (start !== -1) found.push({ start, end: n });
  return toStatements(sql, found);
}

/** Trims each range and attaches 1-based line numbers, counting newlines once over the file. */
function toStatements(sql: string, found: readonly { start: number; end: number }[]): SqlStatement[] {
  const out: SqlStatement[] = [];
  let line = 1;
  let pos = 0;
  for (const { start, end } of found) {
    const text = sql.slice(start, end).trimEnd();
    if (text === '') continue;
    for (; pos < start; pos++) if (sql.charCodeAt(pos) === NL) line++;
    out.push({ text, line, offset: start });
  }
  return out;
}

/** Markers live in src/modules/directives.ts; re-exported here for callers that split and check together. */
export { hasNoTransactionDirective } from '../modules/directives.js';

/**
 * 1-based line number of a 0-based char (UTF-16 code unit) offset into `sql`; lines end at `\n`.
 * Offsets past the end give the last line.
 *
 * PostgreSQL reports an error `position` as a 1-based character offset into the statement it
 * was sent, so the file offset is `statement.offset + position - 1`. (PostgreSQL counts code
 * points; the two differ only after characters outside the Basic Multilingual Plane.)
 *
 * @example
 * lineOfOffset('a\nb', 2) // → 2
 */
export function lineOfOffset(sql: string, offset: number): number {
  const end = Math.min(Math.max(offset, 0), sql.length);
  let line = 1;
  for (let i = sql.indexOf('\n'); i !== -1 && i < end; i = sql.indexOf('\n', i + 1)) line++;
  return line;
}
