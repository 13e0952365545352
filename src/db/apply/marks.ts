/**
 * The history writes of a migration, written once for every engine and every way of applying it:
 * the row of a step that ran inside its transaction, and the `started` → `applied` marks of one
 * that cannot be atomic with its row (no-transaction files; MariaDB/MySQL, whose DDL commits
 * implicitly). Each is SQL with `?` parameters: run through a SqlRunner, or formatted into the
 * text of a round trip.
 */
import { historySql, STATE_APPLIED, STATE_STARTED, type HistoryDialect, type SqlRunner } from '../history-store.js';
import { bookkeeping, type MigrationStep, type StepContext } from '../session.js';

export interface HistoryWrite {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** The `started` mark before the body: a row inserted (up) or set back to started (down). */
export function startedMark(dialect: HistoryDialect, step: MigrationStep, runId: string): HistoryWrite {
  const { table, migration } = step;
  if (step.direction === 'down')
    return { sql: historySql.markStarted(dialect, table), params: [STATE_STARTED, migration.id] };
  const row = {
    version: migration.id,
    checksum: migration.checksum,
    durationMs: 0,
    state: STATE_STARTED,
    runId,
  } as const;
  return { sql: historySql.insert(dialect, table), params: historySql.insertValues(row) };
}

/**
 * The mark after the body: the `started` row set to applied (up) or deleted (down) — only that row,
 * so that the count of rows it changed says whether the row the body ran under is still there.
 */
export function appliedMark(dialect: HistoryDialect, step: MigrationStep, durationMs: number): HistoryWrite {
  const { table, migration } = step;
  const ref = dialect.tableRef(table);
  return step.direction === 'up'
    ? {
        sql: `UPDATE ${ref} SET state = ?, duration_ms = ? WHERE version = ? AND state = ?`,
        params: [STATE_APPLIED, durationMs, migration.id, STATE_STARTED],
      }
    : { sql: `DELETE FROM ${ref} WHERE version = ? AND state = ?`, params: [migration.id, STATE_STARTED] };
}

/**
 * The writes that leave a migration recorded as started (its module dirty) whatever its row was:
 * after a body ended modkit's transaction, some of its work may be committed without its row.
 */
export function forcedStartedMark(dialect: HistoryDialect, step: MigrationStep, runId: string): HistoryWrite[] {
  const { table, migration } = step;
  return [
    { sql: historySql.delete(dialect, table), params: [migration.id] },
    startedMark(dialect, { ...step, direction: 'up' }, runId),
  ];
}

/** The history row write of a step that ran inside its transaction: insert (up) or delete (down). */
export async function recordStep(
  runner: SqlRunner,
  dialect: HistoryDialect,
  step: MigrationStep,
  context: StepContext,
  durationMs: number,
): Promise<void> {
  const { table, migration } = step;
  if (step.direction === 'down') {
    await bookkeeping(table, 'delete', () => runner.query(historySql.delete(dialect, table), [migration.id]));
    return;
  }
  const row = {
    version: migration.id,
    checksum: migration.checksum,
    durationMs,
    state: STATE_APPLIED,
    runId: context.runId,
  } as const;
  await bookkeeping(table, 'record', () =>
    runner.query(historySql.insert(dialect, table), historySql.insertValues(row)),
  );
}
