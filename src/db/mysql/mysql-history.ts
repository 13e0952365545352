import { HISTORY_TABLE_PREFIX } from '../history-table-name.js';
import type { ColumnInfo, HistoryDialect, SqlRunner } from '../history-store.js';

const quoteIdent = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * MySQL/MariaDB history tables: the Rust runtime's DDL (backquoted name, `version VARCHAR(255)
 * PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP`), then modkit's nullable
 * columns. They live in the URL's database (where the Rust runtime, which writes them unqualified,
 * finds them), and modkit addresses them qualified with it: a migration's `USE other_db` never
 * sends modkit's bookkeeping elsewhere (issue 19 §3).
 */
export function mysqlHistory(database: string): HistoryDialect {
  const ref = (table: string) => `${quoteIdent(database)}.${quoteIdent(table)}`;
  return {
    tableRef: ref,
    createTableSql: (table) =>
      `CREATE TABLE IF NOT EXISTS ${ref(table)} (
                version VARCHAR(255) PRIMARY KEY,
                applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                checksum VARCHAR(64), duration_ms INTEGER, state VARCHAR(16), run_id VARCHAR(36)
            )`,
    columnTypes: { checksum: 'VARCHAR(64)', duration_ms: 'INTEGER', state: 'VARCHAR(16)', run_id: 'VARCHAR(36)' },

    async listColumns(runner: SqlRunner): Promise<ColumnInfo[]> {
      // A LIKE on the name lets the server open only the matching tables' definitions (LEFT() would
      // make it open every table of the database); `_` is a wildcard, escaped with `|`.
      return runner.query<{ table: string; column: string; type: string }>(
        `SELECT table_name AS \`table\`, column_name AS \`column\`, lower(data_type) AS \`type\`
           FROM information_schema.columns
          WHERE table_schema = ? AND table_name LIKE ? ESCAPE '|'`,
        [database, `${HISTORY_TABLE_PREFIX.replace(/[_%|]/g, '|$&')}%`],
      );
    },

    isUnixSeconds: (type) => /^(big|medium|small)?int(eger)?$/.test(type),

    /**
     * Not a table modkit itself ever made (modkit 0.1.0 had no MySQL), but a hand-made one may hold
     * unix seconds: the values move to a TIMESTAMP column of the Rust type, in place.
     */
    async convertUnixSeconds(runner, table) {
      await runner.exec(`ALTER TABLE ${ref(table)} ADD COLUMN modkit_applied_at TIMESTAMP NULL`);
      await runner.exec(`UPDATE ${ref(table)} SET modkit_applied_at = FROM_UNIXTIME(applied_at)`);
      await runner.exec(
        `ALTER TABLE ${ref(table)} DROP COLUMN applied_at, CHANGE COLUMN modkit_applied_at applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP AFTER version`,
      );
    },
  };
}
