import { splitSqlStatements } from '../split-sql.js';

/** A body that starts with SET TRANSACTION (or the same through its settings), after comments. */
const LEADING_TRANSACTION_SETTINGS =
  /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*set\s+(?:local\s+|session\s+)?(?:transaction\b|transaction_isolation\b|transaction_read_only\b|transaction_deferrable\b)/i;

/**
 * Where the body guard's savepoint may open in a PostgreSQL body: at its start, unless the body
 * begins with `SET TRANSACTION …` statements, which PostgreSQL accepts only before the
 * transaction's first query and outside any savepoint — then just after the last of them. The
 * splitter runs only for such a body.
 *
 * @example
 * transactionSettingsEnd('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nUPDATE t SET x = 1;') // → 45
 */
export function transactionSettingsEnd(sql: string): number {
  if (!LEADING_TRANSACTION_SETTINGS.test(sql)) return 0;
  let end = 0;
  for (const statement of splitSqlStatements(sql)) {
    if (!LEADING_TRANSACTION_SETTINGS.test(statement.text)) break;
    const semicolon = sql.indexOf(';', statement.offset + statement.text.length);
    end = semicolon === -1 ? sql.length : semicolon + 1;
  }
  return end;
}
