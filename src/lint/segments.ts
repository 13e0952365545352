/**
 * A SQL text as segments, one per statement: from the statement's first character to the next
 * statement's (its `;`, and the comments and blank lines after it, included), each with the file
 * line it starts on. A large file is read in 4 MB windows rather than whole: the statements of
 * each window are found by the splitter execution uses (src/db/split-sql.ts), and the last one,
 * which the window may cut, is carried into the next window and split again. The splitter's state
 * at a statement's start is its initial state, so every statement but the last of a window is
 * found exactly as in the whole text.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { splitSqlStatements } from '../db/split-sql.js';

export interface Segment {
  readonly text: string;
  /** The file's line where `text` starts. */
  readonly line: number;
  /** The statement's own length (trimmed); 0 for comments before the first statement. */
  readonly statement: number;
  /** Set on the last segment of a file whose rest was not read: how many bytes from `line` on. */
  readonly unread?: number;
}

const WINDOW_BYTES = 4 << 20;
/**
 * A statement still unfinished after this many characters stops the reading: finding its end would
 * mean holding and splitting it again window after window (a single 50 MB INSERT).
 */
export const CARRY_LIMIT = 8 << 20;

/** The segments of a text held in memory. */
export function* textSegments(sql: string): Generator<Segment> {
  yield* splitWindow(sql, 1, true).segments;
}

/** The segments of a file, read a window at a time; its text is never held whole. */
export function* fileSegments(file: string, windowBytes = WINDOW_BYTES): Generator<Segment> {
  const fd = openSync(file, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.allocUnsafe(windowBytes);
    let carry = '';
    let line = 1;
    let bytesRead = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      bytesRead += read;
      const done = read === 0;
      const input = carry + (done ? decoder.end() : decoder.write(buffer.subarray(0, read)));
      const window = splitWindow(input, line, done);
      yield* window.segments;
      if (done) return;
      carry = input.slice(window.rest);
      line = window.restLine;
      if (carry.length > CARRY_LIMIT) {
        yield { text: '', line, statement: 0, unread: Buffer.byteLength(carry) + fstatSync(fd).size - bytesRead };
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The complete segments of `input` (all of them when `last`), and where the unfinished rest starts. */
function splitWindow(
  input: string,
  line: number,
  last: boolean,
): { segments: Segment[]; rest: number; restLine: number } {
  const statements = splitSqlStatements(input);
  // Nothing but comments so far: keep all of it, unless the text ends here.
  if (statements.length === 0 && !last) return { segments: [], rest: 0, restLine: line };
  const segments: Segment[] = [];
  const first = statements[0]?.offset ?? input.length;
  if (first > 0) segments.push({ text: input.slice(0, first), line, statement: 0 });
  const complete = last ? statements.length : statements.length - 1;
  for (let k = 0; k < complete; k++) {
    const s = statements[k]!;
    segments.push({
      text: input.slice(s.offset, statements[k + 1]?.offset ?? input.length),
      line: line + s.line - 1,
      statement: s.text.length,
    });
  }
  const rest = statements[complete];
  return { segments, rest: rest?.offset ?? input.length, restLine: rest ? line + rest.line - 1 : line };
}
