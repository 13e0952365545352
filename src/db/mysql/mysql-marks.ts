/**
 * What the server's answers mean for the history marks of a MariaDB/MySQL migration
 * (marked-transaction.ts; the marks themselves are apply/marks.ts): which statements commit
 * implicitly, and what a failure left of the `started` row.
 */
import { STATE_APPLIED, STATE_STARTED, type HistoryDialect, type SqlRunner } from '../history-store.js';
import type { MigrationStep } from '../session.js';

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
export async function leftStarted(
  runner: SqlRunner,
  dialect: HistoryDialect,
  step: MigrationStep,
): Promise<boolean | undefined> {
  const sql = `SELECT state FROM ${dialect.tableRef(step.table)} WHERE version = ?`;
  const read = async () =>
    (await runner.query<{ state: string }>(sql, [step.migration.id]))[0]?.state === STATE_STARTED;
  try {
    return await read();
  } catch (error) {
    // The body's LOCK TABLES (an implicit commit: the row is there) hides every other table from
    // this session: let go of its locks, as the next migration's clean session would, and look again.
    if ((error as { errno?: number }).errno !== ER_TABLE_NOT_LOCKED) return undefined;
    try {
      await runner.exec('UNLOCK TABLES');
      return await read();
    } catch {
      return undefined;
    }
  }
}

/** MySQL's "Table … was not locked with LOCK TABLES". */
const ER_TABLE_NOT_LOCKED = 1100;

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
