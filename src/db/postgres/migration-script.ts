/**
 * The one round trip of a PostgreSQL SQL migration: its whole body and its history write in one
 * simple-query message, the body inside the guard's savepoint (body-guard.ts).
 */
import { SAVEPOINT_GUARD } from '../body-guard.js';
import { splitSqlStatements } from '../split-sql.js';
import type { SessionReset } from './session-reset.js';

/** A transaction that commits asynchronously: `flush` makes such commits durable in one go. */
export const ASYNC_COMMIT = 'SET LOCAL synchronous_commit TO off';

/** Each migration's transaction commits asynchronously. */
export const BEGIN = `BEGIN; ${ASYNC_COMMIT}`;

/**
 * The guard's savepoint; modkit's history write after the body runs as the user it connected as,
 * whatever role the body set.
 */
export const GUARD = { ...SAVEPOINT_GUARD, close: `${SAVEPOINT_GUARD.close}; SET LOCAL SESSION AUTHORIZATION DEFAULT` };

/**
 * `reset; BEGIN; timeouts; [SET TRANSACTION …;] SAVEPOINT; body; RELEASE; record; COMMIT`.
 * Nothing before the body on its first line adds a newline, so an error position maps to the
 * file's own line; the newline before `;` ends a trailing `--` comment of the body. The guard opens
 * after any leading SET TRANSACTION, which must come before a snapshot and outside a savepoint;
 * the reset of the last migration's session joins the transaction unless then. `bodyEnd`: where
 * the body ends in the script (errors after it are the history write's).
 */
export function migrationScript(
  body: string,
  record: string,
  timeouts: readonly string[],
  reset: SessionReset,
): { script: string; bodyEnd: number } {
  const at = transactionSettingsEnd(body);
  const prefix = `${reset.take(at === 0)}${[BEGIN, ...timeouts].join('; ')}; `;
  const guarded = `${body.slice(0, at)}${GUARD.open}; ${body.slice(at)}`;
  const script = `${prefix}${guarded}\n;\n${GUARD.close}; ${record};\nCOMMIT`;
  return { script, bodyEnd: prefix.length + guarded.length };
}

/** A body that starts with SET TRANSACTION (or the same through its settings), after comments. */
const LEADING_TRANSACTION_SETTINGS =
  /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*set\s+(?:local\s+|session\s+)?transaction(?:\b|_isolation\b|_read_only\b|_deferrable\b)/i;

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
