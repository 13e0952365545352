import {
  createHistoryTable,
  historySql,
  STATE_APPLIED,
  upgradeHistoryTable,
  type HistoryDialect,
  type SqlRunner,
} from '../history-store.js';
import { bookkeeping, type HistoryAction, type HistoryWriter } from '../session.js';

/** The history writes of baseline and repair on `runner` (inside the transaction of Session.writeHistory). */
export function historyWriter(dialect: HistoryDialect, runner: SqlRunner): HistoryWriter {
  const write = (table: string, action: HistoryAction, sql: string, params: readonly unknown[]) =>
    bookkeeping(table, action, () => runner.query(sql, params)).then(() => undefined);
  return {
    create: (table) => createHistoryTable(dialect, runner, table),
    upgrade: (history) => upgradeHistoryTable(dialect, runner, history),
    insert: (table, version, checksum) =>
      write(
        table,
        'record',
        historySql.insert(dialect, table),
        historySql.insertValues({ version, checksum, durationMs: null, state: STATE_APPLIED, runId: null }),
      ),
    repair: (table, version, checksum) =>
      write(table, 'repair', historySql.repair(dialect, table), [checksum, STATE_APPLIED, version]),
    markApplied: (table, version) =>
      write(table, 'mark-applied', historySql.markApplied(dialect, table), [STATE_APPLIED, 0, version]),
    remove: (table, version) => write(table, 'delete', historySql.delete(dialect, table), [version]),
  };
}
