/**
 * The parser a file of plain CREATE TABLEs needs (./create-table.ts): one that answers, for that
 * file's text, what PostgreSQL's parser would. The caller loads the real parser only for files
 * this returns undefined for, so a run of plain CREATE TABLEs never loads the WebAssembly.
 */
import { WHOLE_FILE_LIMIT } from '../parse-statements.js';
import type { PostgresParser } from '../postgres-parser.js';
import { parsePlainCreateTables } from './create-table.js';

export function plainParserFor(sql: string): PostgresParser | undefined {
  // Larger texts are parsed chunk by chunk (../parse-statements.ts), never in one call.
  if (sql.length > WHOLE_FILE_LIMIT) return undefined;
  const outcome = parsePlainCreateTables(sql);
  if (!outcome) return undefined;
  return {
    parse(text) {
      if (text !== sql) throw new Error('the plain CREATE TABLE parser answers for its own file only');
      return outcome;
    },
    parsePlPgSQL() {
      // A plain CREATE TABLE file has no DO block and no function.
      throw new Error('the plain CREATE TABLE parser has no PL/pgSQL');
    },
  };
}
