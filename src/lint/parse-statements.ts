/**
 * A migration's statements, parsed by PostgreSQL's parser with their lines, in bounded memory.
 * Up to 1 MB a text is parsed in one call. A larger one (a data load) goes by segments
 * (./segments.ts; a file is read in windows, never whole) gathered into chunks of about 256 KB,
 * each parsed on its own; its row statements (INSERT, COPY, …) are not parsed at all — no rule
 * looks at rows — and neither is any other statement over 1 MB: both are reported as skipped.
 * The parse tree of a 50 MB file at once took over 1 GB; this stays within a few MB.
 */
import type { Node } from 'libpg-query';
import type { PostgresParser } from './postgres-parser.js';
import { fileSegments, textSegments, type Segment } from './segments.js';

/** Texts up to this many characters (files up to this many bytes) are parsed in one call. */
export const WHOLE_FILE_LIMIT = 1 << 20;
const CHUNK_CHARS = 256 << 10;
/** A statement longer than this is not parsed (its parse tree alone would be tens of MB). */
export const STATEMENT_LIMIT = 1 << 20;

/** Row statements of a data load: in a large file they are counted, not parsed. */
const ROW_STATEMENT = /^(insert|copy|update|delete|merge|values)\b/i;

/** Where the SQL is: a text in memory, or a large file read a window at a time. */
export type SqlSource = { readonly sql: string } | { readonly file: string };

export type ParsedItem =
  | { readonly kind: 'statement'; readonly stmt: Node; readonly first: number; readonly last: number; text(): string }
  | { readonly kind: 'skipped'; readonly line: number; readonly chars: number; readonly why: 'size' | 'rows' | 'rest' }
  | { readonly kind: 'syntax'; readonly line: number; readonly message: string };

/**
 * The statements of `source`, in order; `onText` sees every piece of its text once, with the line
 * it starts on (for the ignore comments).
 */
export function* parseStatements(
  source: SqlSource,
  parser: PostgresParser,
  onText: (text: string, line: number) => void,
): Generator<ParsedItem> {
  if ('sql' in source && source.sql.length <= WHOLE_FILE_LIMIT) {
    onText(source.sql, 1);
    yield* parseChunk(source.sql, 1, parser);
    return;
  }
  let chunk: Segment[] = [];
  let chars = 0;
  function* flush(): Generator<ParsedItem> {
    if (chunk.length === 0) return;
    const text = chunk.map((s) => s.text).join('');
    const line = chunk[0]!.line;
    chunk = [];
    chars = 0;
    yield* parseChunk(text, line, parser);
  }
  for (const segment of 'sql' in source ? textSegments(source.sql) : fileSegments(source.file)) {
    if (segment.unread !== undefined) {
      yield* flush();
      yield { kind: 'skipped', line: segment.line, chars: segment.unread, why: 'rest' };
      return;
    }
    onText(segment.text, segment.line);
    const skip =
      segment.statement === 0
        ? undefined
        : ROW_STATEMENT.test(segment.text)
          ? 'rows'
          : segment.statement > STATEMENT_LIMIT
            ? 'size'
            : undefined;
    if (skip || chars + segment.text.length > CHUNK_CHARS) {
      for (const item of flush()) {
        yield item;
        if (item.kind === 'syntax') return;
      }
    }
    if (skip) yield { kind: 'skipped', line: segment.line, chars: segment.statement, why: skip };
    else {
      chunk.push(segment);
      chars += segment.text.length;
    }
  }
  for (const item of flush()) yield item;
}

/** Parses one piece of the file whose first line is the file's line `firstLine`. */
function* parseChunk(text: string, firstLine: number, parser: PostgresParser): Generator<ParsedItem> {
  const parsed = parser.parse(text);
  if (!parsed.ok) {
    yield { kind: 'syntax', line: firstLine + (parsed.line ?? 1) - 1, message: parsed.message };
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
