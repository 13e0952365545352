/**
 * The history marks of a MariaDB/MySQL migration (see MysqlSession.apply), as SQL text that travels
 * with its transaction statements in one round trip, and what the server's answers mean.
 */
import { historySql, STATE_APPLIED, STATE_STARTED, type HistoryDialect } from '../history-store.js';
import type { MigrationStep, StepContext } from '../session.js';

/** ER_LOCK_DEADLOCK: the server chose this transaction as a deadlock's victim and rolled all of it back. */
const DEADLOCK = 1213;
/** ER_LOCK_WAIT_TIMEOUT: a row lock or metadata lock wait gave up. */
export const LOCK_WAIT_TIMEOUT = 1205;

type Format = (sql: string, params: readonly unknown[]) => string;

/** The `started` mark: a row inserted (up) or set back to started (down), inside the migration's savepoint. */
export function startedMark(dialect: HistoryDialect, step: MigrationStep, context: StepContext, format: Format): string {
  const { table, migration } = step;
  if (step.direction === 'down') return format(historySql.markStarted(dialect, table), [STATE_STARTED, migration.id]);
  const row = { version: migration.id, checksum: migration.checksum, durationMs: 0, state: STATE_STARTED, runId: context.runId } as const;
  return format(historySql.insert(dialect, table), historySql.insertValues(row));
}

/**
 * The mark after the body: the `started` row set to applied (up) or deleted (down) — only that row,
 * so that the server's count of rows it changed says whether the row the body ran under is still
 * there. One row, or the body ended the transaction and rolled the row back with it.
 */
export function doneMark(dialect: HistoryDialect, step: MigrationStep, durationMs: number, format: Format): string {
  const { table, migration } = step;
  const ref = dialect.tableRef(table);
  return step.direction === 'up'
    ? format(`UPDATE ${ref} SET state = ?, duration_ms = ? WHERE version = ? AND state = ?`, [STATE_APPLIED, durationMs, migration.id, STATE_STARTED])
    : format(`DELETE FROM ${ref} WHERE version = ? AND state = ?`, [migration.id, STATE_STARTED]);
}

/** `CREATE`, `ALTER`, `DROP`, `RENAME`, `TRUNCATE`: DDL, which commits what is open before it runs (not on TEMPORARY tables). */
const IMPLICIT_COMMIT = /^(?:create|alter|drop|rename|truncate)\s+(?!temporary\b)/i;

/**
 * True when a statement commits the open transaction before it does anything (so before it can
 * fail): the marks waiting in that transaction are safe from what the statement does.
 */
export function commitsImplicitly(statement: string | undefined): boolean {
  return statement !== undefined && IMPLICIT_COMMIT.test(statement);
}

/**
 * True for an error after which the server has rolled back the whole transaction by itself, not
 * only the statement: a deadlock's victim, or a lock timeout with `innodb_rollback_on_timeout`.
 */
export function rollsBackEverything(error: unknown, rollbackOnTimeout: boolean): boolean {
  const errno = (error as { errno?: number })?.errno;
  return errno === DEADLOCK || (errno === LOCK_WAIT_TIMEOUT && rollbackOnTimeout);
}
