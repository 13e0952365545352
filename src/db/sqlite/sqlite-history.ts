import type Database from 'better-sqlite3';
import { HISTORY_TABLE_PREFIX } from '../history-table-name.js';
import type { ColumnInfo, HistoryDialect, SqlRunner } from '../history-store.js';

/** The Rust runtime's `applied_at` on SQLite. */
const APPLIED_AT = "applied_at TEXT NOT NULL DEFAULT (datetime('now'))";

/** SQLite's history tables: the Rust runtime's DDL, `applied_at` as UTC text from datetime('now'). */
export function sqliteHistory(db: Database.Database): HistoryDialect {
  return {
    tableRef: (table) => `"${table}"`,
    createTableSql: (table) =>
      `CREATE TABLE IF NOT EXISTS "${table}" (version TEXT PRIMARY KEY, ${APPLIED_AT}, checksum TEXT, duration_ms INTEGER, state TEXT, run_id TEXT)`,
    columnTypes: { checksum: 'TEXT', duration_ms: 'INTEGER', state: 'TEXT', run_id: 'TEXT' },

    async listColumns(runner: SqlRunner): Promise<ColumnInfo[]> {
      return runner.query<{ table: string; column: string; type: string }>(
        `SELECT m.name AS "table", p.name AS "column", lower(p.type) AS "type"
           FROM sqlite_master m, pragma_table_info(m.name) p
          WHERE m.type = 'table' AND substr(m.name, 1, ?) = ?`,
        [HISTORY_TABLE_PREFIX.length, HISTORY_TABLE_PREFIX],
      );
    },

    isUnixSeconds: (type) => /^(big)?int(eger)?$/.test(type),

    /**
     * SQLite cannot change a column's type or default with ALTER TABLE. Its documented way to change
     * a default in place (https://www.sqlite.org/lang_altertable.html#otheralter) is to edit the
     * table's CREATE statement in sqlite_schema under `writable_schema`, bumping schema_version;
     * the values are turned into datetime text first. Nothing is recreated, no row is copied. Runs
     * in a savepoint, so it is all or nothing inside or outside a transaction; the edit is checked
     * with integrity_check before it is kept.
     */
    async convertUnixSeconds(runner, table) {
      const [row] = await runner.query<{ sql: string }>(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
        [table],
      );
      const current = row?.sql ?? '';
      const next = current.replace(/\bapplied_at\b\s+[^,)]*/i, APPLIED_AT);
      if (next === current)
        throw new Error(`cannot find the applied_at column in the definition of ${table}: ${current}`);
      db.exec('SAVEPOINT modkit_upgrade');
      db.unsafeMode(true); // better-sqlite3 turns SQLite's defensive mode off only in unsafe mode
      try {
        db.prepare(
          `UPDATE "${table}" SET applied_at = datetime(applied_at, 'unixepoch') WHERE typeof(applied_at) IN ('integer', 'real')`,
        ).run();
        const version = db.pragma('schema_version', { simple: true }) as number;
        db.pragma('writable_schema = ON');
        db.prepare("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?").run(next, table);
        db.pragma(`schema_version = ${version + 1}`);
        db.pragma('writable_schema = OFF');
        const check = db.pragma('integrity_check') as { integrity_check: string }[];
        if (check[0]?.integrity_check !== 'ok')
          throw new Error(`integrity_check after the upgrade: ${JSON.stringify(check)}`);
        db.exec('RELEASE modkit_upgrade');
      } catch (error) {
        db.pragma('writable_schema = OFF');
        db.exec('ROLLBACK TO modkit_upgrade; RELEASE modkit_upgrade');
        throw error;
      } finally {
        db.unsafeMode(false);
      }
    },
  };
}
