/**
 * Splits a MySQL/MariaDB migration file into the statements the `mysql` client would send, one per
 * call (the server runs one statement per query unless multi-statements are on, and one per call
 * is what lets a failure name its line).
 *
 * What the client does, and so what this does:
 * - `DELIMITER x` on a line of its own (at a statement boundary) is a client command: it changes
 *   the statement terminator until the next `DELIMITER` (mysqldump writes `DELIMITER ;;` around
 *   triggers and procedures, hand-written files often `$$` or `//`) and is never sent;
 * - the terminator counts only outside quotes (`'…'`, `"…"` with backslash escapes and doubled
 *   quotes, `` `…` `` with doubled backticks) and comments (`-- ` to the end of the line, `#` to the
 *   end of the line, `/* … *\/`);
 * - `/*! … *\/` and `/*!50003 … *\/` are executable comments: they are sent (mysqldump's
 *   `/*!40101 SET … *\/;` lines are statements), while a statement of nothing but ordinary comments
 *   is not sent at all.
 */
import type { SqlStatement } from '../split-sql.js';

const NL = 10;
const BACKSLASH = 92;

/** A `DELIMITER` command: the word, spaces, then the new terminator up to the end of the line. */
const DELIMITER_COMMAND = /^delimiter[ \t]+(\S+)[^\n]*(?:\n|$)/i;

export function splitMysqlStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  const n = sql.length;
  let delimiter = ';';
  let line = 1;
  /** Where the current statement's text began (after whitespace and leading comments), or -1. */
  let start = -1;
  let startLine = 1;
  let i = 0;

  const end = (at: number) => {
    if (start >= 0) {
      const text = sql.slice(start, at).trimEnd();
      if (text.length > 0) statements.push({ text, line: startLine, offset: start });
    }
    start = -1;
  };
  /** Advances to `to`, counting the newlines passed. */
  const advance = (to: number) => {
    for (let k = i; k < to && k < n; k++) if (sql.charCodeAt(k) === NL) line++;
    i = Math.min(to, n);
  };

  while (i < n) {
    const c = sql[i]!;
    // A client command is recognised only where a statement would begin.
    if (start < 0) {
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\uFEFF') {
        advance(i + 1);
        continue;
      }
      if (c === 'd' || c === 'D') {
        const command = DELIMITER_COMMAND.exec(sql.slice(i, i + 200));
        if (command) {
          delimiter = command[1]!;
          advance(i + command[0].length);
          continue;
        }
      }
    }
    if (sql.startsWith(delimiter, i)) {
      end(i);
      advance(i + delimiter.length);
      continue;
    }
    if (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2]!))) {
      advance(lineEnd(sql, i)); // a comment: not the statement's start
      continue;
    }
    if (c === '#') {
      advance(lineEnd(sql, i));
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const after = close < 0 ? n : close + 2;
      // An executable comment is part of (or is) a statement; an ordinary one at the start is not.
      if (sql[i + 2] === '!' && start < 0) begin(i);
      advance(after);
      continue;
    }
    if (start < 0) begin(i);
    if (c === "'" || c === '"') {
      advance(skipQuoted(sql, i + 1, c, true));
      continue;
    }
    if (c === '`') {
      advance(skipQuoted(sql, i + 1, c, false));
      continue;
    }
    advance(i + 1);
  }
  end(n);
  return statements;

  function begin(at: number): void {
    start = at;
    startLine = line;
  }
}

function lineEnd(sql: string, from: number): number {
  const at = sql.indexOf('\n', from);
  return at < 0 ? sql.length : at;
}

/** Index just past the closing quote; doubled quotes (and backslash escapes in strings) stay inside. */
function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  const n = sql.length;
  let i = from;
  while (i < n) {
    const c = sql[i]!;
    if (backslashEscapes && c.charCodeAt(0) === BACKSLASH) i += 2;
    else if (c === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else i++;
  }
  return n;
}
