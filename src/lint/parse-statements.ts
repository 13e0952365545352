/**
 * A migration's statements, parsed by PostgreSQL's parser with their lines, in bounded memory.
 * Up to 1 MB a file is parsed in one call. A larger file (a data load) is cut at statement
 * boundaries (src/db/split-sql.ts, the splitter execution uses) into chunks of about 256 KB parsed
 * one at a time, and a single statement over 1 MB is not parsed at all: it is reported as
 * skipped. The parse tree of a 50 MB file at once took over 1 GB; this stays within a few MB.
 */
import type { Node } from 'libpg-query';
import { splitSqlStatements } from '../db/split-sql.js';
import type { PostgresParser } from './postgres-parser.js';

/** Files up to this many characters are parsed in one call. */
export const WHOLE_FILE_LIMIT = 1 << 20;
const CHUNK_CHARS = 256 << 10;
/** A statement longer than this is not parsed (its parse tree alone would be tens of MB). */
export const STATEMENT_LIMIT = 1 << 20;

export type ParsedItem =
  | { readonly kind: 'statement'; readonly stmt: Node; readonly first: number; readonly last: number; text(): string }
  | { readonly kind: 'skipped'; readonly line: number; readonly chars: number }
  | { readonly kind: 'syntax'; readonly line: number; readonly message: string };

export function* parseStatements(sql: string, parser: PostgresParser): Generator<ParsedItem> {
  if (sql.length <= WHOLE_FILE_LIMIT) {
    yield* parseChunk(sql, 1, parser);
    return;
  }
  const statements = splitSqlStatements(sql);
  let start = 0;
  let chars = 0;
  for (let i = 0; i <= statements.length; i++) {
    const statement = statements[i];
    const oversized = statement !== undefined && statement.text.length > STATEMENT_LIMIT;
    if (start < i && (statement === undefined || oversized || chars + statement.text.length > CHUNK_CHARS)) {
      const from = statements[start]!;
      const to = statement?.offset ?? sql.length;
      for (const item of parseChunk(sql.slice(from.offset, to), from.line, parser)) {
        yield item;
        if (item.kind === 'syntax') return;
      }
      start = i;
      chars = 0;
    }
    if (statement === undefined) break;
    if (oversized) {
      yield { kind: 'skipped', line: statement.line, chars: statement.text.length };
      start = i + 1;
      continue;
    }
    chars += statement.text.length;
  }
}

/** Parses one piece of the file whose first line is the file's line `firstLine`. */
function* parseChunk(text: string, firstLine: number, parser: PostgresParser): Generator<ParsedItem> {
  const parsed = parser.parse(text);
  if (!parsed.ok) {
    const line = firstLine + (parsed.line ?? 1) - 1;
    yield { kind: 'syntax', line, message: parsed.message };
    return;
  }
  const bytes = Buffer.from(text);
  const lineOf = byteLineIndex(bytes);
  for (const { stmt, start, end } of parsed.statements) {
    yield {
      kind: 'statement',
      stmt,
      first: firstLine + lineOf(start) - 1,
      last: firstLine + lineOf(Math.max(start, end - 1)) - 1,
      text: () => bytes.subarray(start, end).toString('utf8'),
    };
  }
}

/** Maps a byte offset of the UTF-8 text (the parser's positions) to its 1-based line. */
function byteLineIndex(bytes: Buffer): (offset: number) => number {
  const starts = [0];
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
