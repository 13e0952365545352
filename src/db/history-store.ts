/**
 * The history tables (SPEC §2.4), engine-agnostic: which columns they have, how rows are read and
 * written. Each engine supplies a {@link HistoryDialect} (quoting, the Rust runtime's DDL, its
 * catalog query); everything else is written once, here.
 */
import { compareIds } from '../modules/migration-files.js';
import type { AppliedRecord, ModuleHistory } from './history-types.js';
import { HISTORY_TABLE_PREFIX, historyTableNameSync } from './history-table-name.js';
import { bookkeeping, type HistoryUpgrade } from './session.js';

/** modkit's own columns, after the Rust runtime's `version` and `applied_at`; all nullable. */
export const MODKIT_COLUMNS = ['checksum', 'duration_ms', 'state', 'run_id'] as const;
export type ModkitColumn = (typeof MODKIT_COLUMNS)[number];

/** `state` of a no-transaction migration that started and has not finished: the module is dirty. */
export const STATE_STARTED = 'started';
export const STATE_APPLIED = 'applied';

/** How many tables one UNION ALL reads: SQLite caps compound SELECTs at 500 terms. */
const TABLES_PER_QUERY = 250;

export type Row = Record<string, unknown>;

/** What the history code needs of a connection. Placeholders are written `?` whatever the engine. */
export interface SqlRunner {
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of one or more statements. */
  exec(sql: string): Promise<void>;
}

export interface ColumnInfo {
  readonly table: string;
  readonly column: string;
  /** The column's declared type, lower case (`timestamp with time zone`, `bigint`, `text`). */
  readonly type: string;
}

/** The engine-specific part of the history tables. */
export interface HistoryDialect {
  /** The table as written in SQL: quoted, and schema-qualified where the engine has schemas. */
  tableRef(table: string): string;
  /** The Rust runtime's `CREATE TABLE IF NOT EXISTS` (its columns and types exactly), with modkit's columns appended. */
  createTableSql(table: string): string;
  /** The type of each of modkit's columns on this engine. */
  readonly columnTypes: Readonly<Record<ModkitColumn, string>>;
  /** `[table, column, type]` of every history table where modkit keeps them, in one query. */
  /**
   * Columns of the history tables; `tables` names the ones wanted (an engine may list more). On
   * PostgreSQL the names make it an index lookup: a scan of pg_class for the prefix cost 16 ms in a
   * database of 1,000 tenant schemas, for every tenant (README, "Fleets").
   */
  listColumns(runner: SqlRunner, tables?: readonly string[]): Promise<readonly ColumnInfo[]>;
  /**
   * The rows of these existing tables (table → its columns), each tagged with its table in `t` as
   * {@link selectHistory} tags it. Default: UNION ALLs of {@link selectHistory}, {@link TABLES_PER_QUERY} a query.
   */
  readRows?(runner: SqlRunner, tables: ReadonlyMap<string, ReadonlyMap<string, string>>): Promise<Row[]>;
  /** Refuses when history tables of these modules exist where modkit does not look (another schema). */
  checkPlacement?(runner: SqlRunner, tables: readonly string[]): Promise<void>;
  /** True for the integer type modkit 0.1.0 gave `applied_at` (unix seconds). */
  isUnixSeconds(type: string): boolean;
  /**
   * `applied_at` of a column of this type, as one type for all tables: the histories of several
   * tables are read in one UNION ALL, and an engine with strict types refuses to unite a timestamp
   * with modkit 0.1.0's BIGINT. Default: the column as it is.
   */
  appliedAtSelect?(type: string): string;
  /** Turns a unix-seconds `applied_at` into the Rust runtime's type and default, keeping every value. */
  convertUnixSeconds(runner: SqlRunner, table: string): Promise<void>;
}

/**
 * Reads the history of every named module in a constant number of round trips: one query for the
 * tables and columns that exist, then one UNION ALL per 250 tables (or the engine's own read of
 * them, {@link HistoryDialect.readRows}). Never writes.
 */
export async function readHistories(
  dialect: HistoryDialect,
  runner: SqlRunner,
  modules: readonly string[],
): Promise<Map<string, ModuleHistory>> {
  const tables = new Map(modules.map((m) => [m, historyTableNameSync(m)]));
  const columns = columnsByTable(
    await bookkeeping(HISTORY_TABLE_PREFIX, 'read', () => dialect.listColumns(runner, [...tables.values()])),
  );
  const missingTables = [...tables.values()].filter((t) => !columns.has(t));
  if (missingTables.length > 0) await dialect.checkPlacement?.(runner, missingTables);
  const existing = new Map<string, ReadonlyMap<string, string>>();
  for (const m of modules) {
    const table = tables.get(m)!;
    const cols = columns.get(table);
    if (cols) existing.set(table, cols);
  }
  const rows =
    existing.size === 0
      ? []
      : dialect.readRows
        ? await bookkeeping(existing.keys().next().value!, 'read', () => dialect.readRows!(runner, existing))
        : await selectRows(dialect, runner, existing);
  return assembleHistories(dialect, tables, columns, rows);
}

/** The default {@link HistoryDialect.readRows}: UNION ALLs of {@link selectHistory}. */
async function selectRows(
  dialect: HistoryDialect,
  runner: SqlRunner,
  existing: ReadonlyMap<string, ReadonlyMap<string, string>>,
): Promise<Row[]> {
  const names = [...existing.keys()];
  const rows: Row[] = [];
  for (let i = 0; i < names.length; i += TABLES_PER_QUERY) {
    const chunk = names.slice(i, i + TABLES_PER_QUERY);
    const sql = chunk.map((table) => selectHistory(dialect, table, existing.get(table)!)).join('\nUNION ALL\n');
    rows.push(...(await bookkeeping(chunk[0]!, 'read', () => runner.query(sql))));
  }
  return rows;
}

/** Catalog rows grouped: table → column → type. */
export function columnsByTable(infos: Iterable<ColumnInfo>): Map<string, Map<string, string>> {
  const columns = new Map<string, Map<string, string>>();
  for (const info of infos) {
    const map = columns.get(info.table) ?? new Map<string, string>();
    map.set(info.column, info.type);
    columns.set(info.table, map);
  }
  return columns;
}

/**
 * Each module's history from the columns of its table (absent: the table does not exist) and the
 * rows {@link selectHistory} read (each tagged with its table in `t`).
 */
export function assembleHistories(
  dialect: HistoryDialect,
  /** Module → its history table, in the modules' order. */
  tables: ReadonlyMap<string, string>,
  columns: ReadonlyMap<string, ReadonlyMap<string, string>>,
  rows: readonly Row[],
): Map<string, ModuleHistory> {
  const recordsByTable = new Map<string, AppliedRecord[]>();
  for (const row of rows) {
    const table = String(row.t);
    const legacy = dialect.isUnixSeconds(columns.get(table)?.get('applied_at') ?? '');
    const list = recordsByTable.get(table) ?? [];
    list.push(toRecord(row, legacy));
    recordsByTable.set(table, list);
  }
  const histories = new Map<string, ModuleHistory>();
  for (const [module, table] of tables) {
    const cols = columns.get(table);
    histories.set(module, {
      module,
      table,
      exists: cols !== undefined,
      missingColumns: cols ? MODKIT_COLUMNS.filter((c) => !cols.has(c)) : [],
      legacyAppliedAt: cols ? dialect.isUnixSeconds(cols.get('applied_at') ?? '') : false,
      records: (recordsByTable.get(table) ?? []).sort((a, b) => compareIds(a.version, b.version)),
    });
  }
  return histories;
}

/**
 * One table's rows, tagged with its name in `t`, in the one shape every table is read in; `lead`:
 * columns before it (`'tenant_1' AS s, `).
 */
export function selectHistory(
  dialect: HistoryDialect,
  table: string,
  cols: ReadonlyMap<string, string>,
  lead = '',
): string {
  const optional = (name: string) => (cols.has(name) ? name : `NULL AS ${name}`);
  const appliedAt = dialect.appliedAtSelect?.(cols.get('applied_at') ?? '') ?? 'applied_at';
  // Table names are [A-Za-z0-9_] only (history-table-name.ts), so they are safe as literals.
  return `SELECT ${lead}'${table}' AS t, version, ${appliedAt} AS applied_at, ${MODKIT_COLUMNS.map(optional).join(', ')} FROM ${dialect.tableRef(table)}`;
}

function toRecord(row: Row, unixSeconds: boolean): AppliedRecord {
  return {
    version: String(row.version),
    appliedAt: parseAppliedAt(row.applied_at, unixSeconds),
    checksum: (row.checksum as string | null) ?? null,
    durationMs: row.duration_ms === null || row.duration_ms === undefined ? null : Number(row.duration_ms),
    state: row.state === STATE_STARTED ? 'started' : 'applied',
    runId: row.run_id === null || row.run_id === undefined ? null : String(row.run_id),
  };
}

/**
 * `applied_at` whatever its type: a timestamp (PostgreSQL, MySQL), SQLite's `datetime('now')`
 * text (UTC, no zone), or modkit 0.1.0's unix seconds.
 */
export function parseAppliedAt(value: unknown, unixSeconds: boolean): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  const text = String(value).trim();
  if (unixSeconds || /^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    return Number.isFinite(seconds) ? new Date(seconds * 1000) : null;
  }
  // `2026-12-02 03:04:05` (SQLite's datetime(), always UTC) has no zone: read it as UTC.
  const sqliteTime = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const parsed = Date.parse(sqliteTime);
  return Number.isNaN(parsed) ? null : new Date(parsed);
}

/** Creates a module's history table (a no-op when it exists). */
export function createHistoryTable(dialect: HistoryDialect, runner: SqlRunner, table: string): Promise<void> {
  return bookkeeping(table, 'create', () => runner.exec(dialect.createTableSql(table)));
}

/** Adds modkit's missing columns and converts a unix-seconds `applied_at`; never recreates the table. */
export async function upgradeHistoryTable(
  dialect: HistoryDialect,
  runner: SqlRunner,
  history: ModuleHistory,
): Promise<HistoryUpgrade | undefined> {
  if (!history.exists || (history.missingColumns.length === 0 && !history.legacyAppliedAt)) return undefined;
  await bookkeeping(history.table, 'upgrade', async () => {
    for (const column of history.missingColumns) {
      await runner.exec(
        `ALTER TABLE ${dialect.tableRef(history.table)} ADD COLUMN ${column} ${dialect.columnTypes[column as ModkitColumn]}`,
      );
    }
    if (history.legacyAppliedAt) await dialect.convertUnixSeconds(runner, history.table);
  });
  return { table: history.table, addedColumns: history.missingColumns, appliedAtConverted: history.legacyAppliedAt };
}

/** The values of a new history row; `applied_at` is left to the column's default, as the Rust runtime does. */
export interface NewRecord {
  readonly version: string;
  readonly checksum: string;
  /** Null for a row recorded without running the migration (`modkit baseline`). */
  readonly durationMs: number | null;
  readonly state: typeof STATE_APPLIED | typeof STATE_STARTED;
  readonly runId: string | null;
}

/** The history writes, as SQL with `?` placeholders (knex's raw takes the same). */
export const historySql = {
  insert: (dialect: HistoryDialect, table: string) =>
    `INSERT INTO ${dialect.tableRef(table)} (version, checksum, duration_ms, state, run_id) VALUES (?, ?, ?, ?, ?)`,
  insertValues: (r: NewRecord) => [r.version, r.checksum, r.durationMs, r.state, r.runId],
  markStarted: (dialect: HistoryDialect, table: string) =>
    `UPDATE ${dialect.tableRef(table)} SET state = ? WHERE version = ?`,
  markApplied: (dialect: HistoryDialect, table: string) =>
    `UPDATE ${dialect.tableRef(table)} SET state = ?, duration_ms = ? WHERE version = ?`,
  repair: (dialect: HistoryDialect, table: string) =>
    `UPDATE ${dialect.tableRef(table)} SET checksum = ?, state = ? WHERE version = ?`,
  delete: (dialect: HistoryDialect, table: string) => `DELETE FROM ${dialect.tableRef(table)} WHERE version = ?`,
};

/**
 * An insert as SQL text, to travel in one script with the migration's body. The duration is an SQL
 * expression the server evaluates after the body ran. Values are quoted literals: ids and checksums
 * are checked names and hex, but quoting keeps that from mattering.
 */
export function insertRecordLiteral(
  dialect: HistoryDialect,
  table: string,
  record: Omit<NewRecord, 'durationMs'>,
  durationMsSql: string,
): string {
  const literal = (value: string | null) => (value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`);
  return `INSERT INTO ${dialect.tableRef(table)} (version, checksum, duration_ms, state, run_id) VALUES (${literal(record.version)}, ${literal(record.checksum)}, ${durationMsSql}, ${literal(record.state)}, ${literal(record.runId)})`;
}

/** A delete as SQL text, for the same one-script path of a `down`. */
export function deleteRecordLiteral(dialect: HistoryDialect, table: string, version: string): string {
  return `DELETE FROM ${dialect.tableRef(table)} WHERE version = '${version.replace(/'/g, "''")}'`;
}
