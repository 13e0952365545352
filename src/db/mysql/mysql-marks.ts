/**
 * The history marks of a MariaDB/MySQL migration (see MysqlSession.apply), as SQL text that travels
 * with its transaction statements in one round trip, and what the server's answers mean.
 */
import { historySql, STATE_APPLIED, STATE_STARTED, type HistoryDialect, type SqlRunner } from '../history-store.js';
import type { MigrationStep, StepContext } from '../session.js';

type Format = (sql: string, params: readonly unknown[]) => string;

/** The `started` mark: a row inserted (up) or set back to started (down), inside the migration's savepoint. */
export function startedMark(dialect: HistoryDialect, step: MigrationStep, context: StepContext, format: Format): string {
  const { table, migration } = step;
  if (step.direction === 'down') return format(historySql.markStarted(dialect, table), [STATE_STARTED, migration.id]);
  const { runId } = context;
  const row = { version: migration.id, checksum: migration.checksum, durationMs: 0, state: STATE_STARTED, runId } as const;
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
    ? format(`UPDATE ${ref} SET state = ?, duration_ms = ? WHERE version = ? AND state = ?`, [
        STATE_APPLIED,
        durationMs,
        migration.id,
        STATE_STARTED,
      ])
    : format(`DELETE FROM ${ref} WHERE version = ? AND state = ?`, [migration.id, STATE_STARTED]);
}

/** `CREATE`, `ALTER`, `DROP`, `RENAME`, `TRUNCATE`: DDL, which commits what is open before it runs (not TEMPORARY). */
const IMPLICIT_COMMIT = /^(?:create|alter|drop|rename|truncate)\s+(?!temporary\b)/i;

/**
 * True when a statement commits the open transaction before it does anything (so before it can
 * fail): the marks waiting in that transaction are safe from what the statement does.
 */
export function commitsImplicitly(statement: string | undefined): boolean {
  return statement !== undefined && IMPLICIT_COMMIT.test(statement);
}

/** After a failure: did an implicit commit keep the `started` row (dirty), or did it roll back too? */
export async function leftStarted(runner: SqlRunner, dialect: HistoryDialect, step: MigrationStep): Promise<boolean | undefined> {
  try {
    const sql = `SELECT state FROM ${dialect.tableRef(step.table)} WHERE version = ?`;
    const rows = await runner.query<{ state: string }>(sql, [step.migration.id]);
    return rows[0]?.state === STATE_STARTED;
  } catch {
    return undefined;
  }
}

/** Takes back a committed `started` mark of a migration none of whose work took effect. True when done. */
export async function forgetStarted(runner: SqlRunner, dialect: HistoryDialect, step: MigrationStep): Promise<boolean> {
  const ref = dialect.tableRef(step.table);
  const up = step.direction === 'up';
  const sql = up
    ? `DELETE FROM ${ref} WHERE version = ? AND state = ?`
    : `UPDATE ${ref} SET state = ? WHERE version = ? AND state = ?`;
  const params = up ? [step.migration.id, STATE_STARTED] : [STATE_APPLIED, step.migration.id, STATE_STARTED];
  return runner.query(sql, params).then(
    () => true,
    () => false,
  );
}
