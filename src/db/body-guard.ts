/**
 * How a session verifies, after a migration's body, that the transaction it opened for it is
 * still the one open — whatever the body did. PostgreSQL's transaction status and better-sqlite3's
 * `inTransaction` both say "in a transaction" after a body's `COMMIT; BEGIN`, and a `SET LOCAL`
 * sentinel is wiped by a body's `RESET ALL` as surely as by a `COMMIT`. A savepoint opened right
 * before the body is neither: a `COMMIT`, `ROLLBACK` or `BEGIN` ends it with its transaction, and
 * releasing it afterwards fails then and only then (issue 19 §1). MariaDB/MySQL, whose DDL
 * commits implicitly, check their marks' row counts instead (mysql/marked-transaction.ts).
 */
import type { HistoryDialect, SqlRunner } from './history-store.js';
import type { MigrationRef, MigrationStep, StepContext } from './session.js';

/** The savepoint around a body, and how it is released and rolled back to. */
export interface BodyGuard {
  readonly open: string;
  readonly close: string;
  readonly undo: string;
}

export const SAVEPOINT_GUARD: BodyGuard = {
  open: 'SAVEPOINT modkit_body',
  close: 'RELEASE SAVEPOINT modkit_body',
  undo: 'ROLLBACK TO SAVEPOINT modkit_body',
};

/**
 * Thrown inside a transaction when the guard is gone; the session turns it into a
 * TransactionEndedError once that transaction is over (the aftermath needs a clean connection).
 */
export class GuardLost extends Error {
  constructor(
    override readonly cause: unknown,
    readonly step: MigrationStep,
    readonly context: StepContext,
    /** True when `cause` is the body's own failure (after it ended the transaction), not the guard's. */
    readonly bodyFailed: boolean,
  ) {
    super('the migration ended the transaction modkit ran it in', { cause });
    this.name = 'GuardLost';
  }
}

/**
 * Runs `work` between the guard's savepoint and its release; throws {@link GuardLost} when the body
 * ended the transaction.
 */
export async function runGuarded(
  guard: BodyGuard,
  exec: (sql: string) => Promise<unknown>,
  isLost: (error: unknown) => boolean,
  work: () => Promise<void>,
  step: MigrationStep,
  context: StepContext,
): Promise<void> {
  await exec(guard.open);
  try {
    await work();
  } catch (error) {
    // A failure after the body ended the transaction must not be reported as rolled back.
    const holds = await exec(guard.undo).then(
      () => true,
      (undoError: unknown) => !isLost(undoError),
    );
    throw holds ? error : new GuardLost(error, step, context, true);
  }
  try {
    await exec(guard.close);
  } catch (error) {
    throw isLost(error) ? new GuardLost(error, step, context, false) : error;
  }
}

/**
 * Which of `steps` (recorded in a transaction that has since ended) are no longer recorded as they
 * were: an `up` whose row is gone, a `down` whose row is back. A read that fails counts them all.
 */
export async function lostSteps(
  dialect: HistoryDialect,
  runner: SqlRunner,
  steps: readonly MigrationStep[],
): Promise<MigrationRef[]> {
  const lost: MigrationRef[] = [];
  for (const table of new Set(steps.map((s) => s.table))) {
    const ofTable = steps.filter((s) => s.table === table);
    const versions = ofTable.map((s) => s.migration.id);
    let present: Set<string>;
    try {
      const rows = await runner.query<{ version: string }>(
        `SELECT version FROM ${dialect.tableRef(table)} WHERE version IN (${versions.map(() => '?').join(', ')})`,
        versions,
      );
      present = new Set(rows.map((r) => String(r.version)));
    } catch {
      present = new Set(ofTable.filter((s) => s.direction === 'down').map((s) => s.migration.id));
    }
    for (const step of ofTable) {
      if (present.has(step.migration.id) === (step.direction === 'up')) continue;
      lost.push({ module: step.migration.module, id: step.migration.id });
    }
  }
  return lost;
}
