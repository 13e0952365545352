/**
 * PostgreSQL's own parser (libpg-query: the server's grammar compiled to WebAssembly), loaded on
 * first use only: `--help`, a no-op `migrate` and commands that lint nothing never pay its ~150 ms.
 * Execution does not use it: src/db/split-sql.ts splits files for running them, with no parser on
 * that path.
 */
import type { Node } from 'libpg-query';
import { dynamicImport } from '../util/dynamic-import.js';

/** One statement of a file, with where it is in the file's UTF-8 bytes. */
export interface ParsedStatement {
  readonly stmt: Node;
  /** Byte offset of its first token. */
  readonly start: number;
  /** Byte offset just past its last token (before its `;`). */
  readonly end: number;
}

export type ParseOutcome =
  | { readonly ok: true; readonly statements: readonly ParsedStatement[] }
  | {
      readonly ok: false;
      readonly message: string;
      /**
       * 1-based line of the error, when the parser gives a position (PostgreSQL counts it in
       * characters, not bytes).
       */
      readonly line?: number;
    };

export interface PostgresParser {
  parse(sql: string): ParseOutcome;
  /**
   * The PL/pgSQL functions of one `DO` or `CREATE FUNCTION … LANGUAGE plpgsql` statement, as
   * PostgreSQL's PL/pgSQL compiler parses them (libpg-query's JSON: `{ plpgsql_funcs: [...] }`).
   * Throws with PL/pgSQL's message when the body does not parse.
   */
  parsePlPgSQL(sql: string): PlPgSqlTree;
}

/** libpg-query's PL/pgSQL tree: plain JSON, walked generically (src/lint/plpgsql.ts). */
export interface PlPgSqlTree {
  readonly plpgsql_funcs?: readonly unknown[];
}

type LibPgQuery = typeof import('libpg-query');

let loading: Promise<PostgresParser> | undefined;

/** The parser, loaded once per process. */
export function loadPostgresParser(): Promise<PostgresParser> {
  loading ??= (async () => {
    const lib = await dynamicImport<LibPgQuery>('libpg-query');
    await lib.loadModule();
    return { parse: (sql) => parseWith(lib, sql), parsePlPgSQL: (sql) => lib.parsePlPgSQLSync(sql) as PlPgSqlTree };
  })();
  return loading;
}

function parseWith(lib: LibPgQuery, sql: string): ParseOutcome {
  if (sql.trim() === '') return { ok: true, statements: [] };
  let result: ReturnType<LibPgQuery['parseSync']>;
  try {
    result = lib.parseSync(sql);
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const position = details?.cursorPosition;
    return {
      ok: false,
      message: (error as Error).message,
      ...(position !== undefined && position >= 0 ? { line: lineOfCharacter(sql, position) } : {}),
    };
  }
  const total = Buffer.byteLength(sql);
  const statements = (result.stmts ?? []).flatMap((raw) => {
    if (!raw.stmt) return [];
    const start = raw.stmt_location ?? 0;
    // stmt_len 0 means "to the end of the text" (the last statement, without a `;`).
    const end = raw.stmt_len ? start + raw.stmt_len : total;
    return [{ stmt: raw.stmt, start, end }];
  });
  return { ok: true, statements };
}

/** The 1-based line of the `position`-th character (code point) of `text`. */
function lineOfCharacter(text: string, position: number): number {
  let line = 1;
  let index = 0;
  for (const char of text) {
    if (index++ >= position) break;
    if (char === '\n') line += 1;
  }
  return line;
}
