import { compareIds } from '../modules/migration-files.js';
import type { AppliedRecord, ModuleHistory } from '../plan/types.js';
import type { DbConnection, Dialect } from './dialects/types.js';
import { HISTORY_TABLE_PREFIX, historyTableNames } from './history-table-name.js';

/** The columns modkit adds to a Rust-created table (`version`, `applied_at`), all nullable. */
const MODKIT_COLUMNS = {
  checksum: 'VARCHAR(64)',
  duration_ms: 'INTEGER',
  state: 'VARCHAR(16)',
} as const;

/** `state` of a no-transaction migration that started and has not finished: the module is dirty. */
export const STATE_STARTED = 'started';
export const STATE_APPLIED = 'applied';

/** How many tables one UNION ALL reads: SQLite caps compound SELECTs at 500 terms. */
const TABLES_PER_QUERY = 250;

/**
 * Reads the history of every named module in a constant number of round trips: one query for
 * the tables and columns that exist, then one UNION ALL per 250 tables. Never writes.
 */
export async function readHistories(
  dialect: Dialect,
  connection: DbConnection,
  modules: readonly string[],
): Promise<Map<string, ModuleHistory>> {
  const tables = await historyTableNames(modules);
  const columns = new Map<string, Set<string>>();
  for (const [table, column] of await dialect.listColumns(connection, HISTORY_TABLE_PREFIX)) {
    const set = columns.get(table) ?? new Set<string>();
    set.add(column);
    columns.set(table, set);
  }
  const existing = modules.filter((m) => columns.has(tables.get(m)!));
  const recordsByTable = new Map<string, AppliedRecord[]>();
  for (let i = 0; i < existing.length; i += TABLES_PER_QUERY) {
    const chunk = existing.slice(i, i + TABLES_PER_QUERY).map((m) => tables.get(m)!);
    const sql = chunk.map((table) => selectHistory(table, columns.get(table)!)).join('\nUNION ALL\n');
    for (const row of await connection.query(sql)) {
      const table = row.t as string;
      const list = recordsByTable.get(table) ?? [];
      list.push(toRecord(row));
      recordsByTable.set(table, list);
    }
  }
  const histories = new Map<string, ModuleHistory>();
  for (const module of modules) {
    const table = tables.get(module)!;
    const cols = columns.get(table);
    const records = (recordsByTable.get(table) ?? []).sort((a, b) => compareIds(a.version, b.version));
    histories.set(module, {
      module,
      table,
      exists: cols !== undefined,
      missingColumns: cols ? Object.keys(MODKIT_COLUMNS).filter((c) => !cols.has(c)) : Object.keys(MODKIT_COLUMNS),
      records,
    });
  }
  return histories;
}

function selectHistory(table: string, cols: ReadonlySet<string>): string {
  const optional = (name: string) => (cols.has(name) ? name : `NULL AS ${name}`);
  // Table names are [A-Za-z0-9_] only (history-table-name.ts), so they are safe as literals.
  return `SELECT '${table}' AS t, version, applied_at, ${optional('checksum')}, ${optional('duration_ms')}, ${optional('state')} FROM ${table}`;
}

function toRecord(row: Record<string, unknown>): AppliedRecord {
  return {
    version: String(row.version),
    appliedAt: toDate(row.applied_at),
    checksum: (row.checksum as string | null) ?? null,
    durationMs: row.duration_ms === null || row.duration_ms === undefined ? null : Number(row.duration_ms),
    state: row.state === STATE_STARTED ? 'started' : 'applied',
  };
}

/** The Rust runtime stores unix seconds; tolerate timestamps and ISO strings from other tools. */
function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const n = Number(value);
  if (Number.isFinite(n)) return new Date(n * 1000);
  const parsed = Date.parse(String(value));
  return Number.isNaN(parsed) ? null : new Date(parsed);
}

/** Creates a module's history table: Rust's columns (`version`, `applied_at` in unix seconds) plus modkit's. */
export async function createHistoryTable(dialect: Dialect, connection: DbConnection, table: string): Promise<void> {
  await connection.execScript(
    `CREATE TABLE IF NOT EXISTS ${table} (
      version VARCHAR(255) NOT NULL PRIMARY KEY,
      applied_at ${dialect.bigintType} NOT NULL,
      checksum ${MODKIT_COLUMNS.checksum},
      duration_ms ${MODKIT_COLUMNS.duration_ms},
      state ${MODKIT_COLUMNS.state}
    )`,
  );
}

/** Adds modkit's columns to a table the Rust runtime created; never recreates it. */
export async function upgradeHistoryTable(connection: DbConnection, history: ModuleHistory): Promise<void> {
  for (const column of history.missingColumns) {
    await connection.execScript(`ALTER TABLE ${history.table} ADD COLUMN ${column} ${MODKIT_COLUMNS[column as keyof typeof MODKIT_COLUMNS]}`);
  }
}

export interface RecordInput {
  readonly version: string;
  readonly checksum: string;
  /** Null for a row recorded without running the migration (`modkit baseline`). */
  readonly durationMs: number | null;
}

/** Records a migration as applied (or, for no-transaction migrations, as started). */
export async function insertRecord(connection: DbConnection, table: string, input: RecordInput, state = STATE_APPLIED): Promise<void> {
  await connection.query(`INSERT INTO ${table} (version, applied_at, checksum, duration_ms, state) VALUES (?, ?, ?, ?, ?)`, [
    input.version,
    Math.floor(Date.now() / 1000),
    input.checksum,
    input.durationMs,
    state,
  ]);
}

/** Marks an applied no-transaction migration as started again, before its `down` runs. */
export async function markStarted(connection: DbConnection, table: string, version: string): Promise<void> {
  await connection.query(`UPDATE ${table} SET state = ? WHERE version = ?`, [STATE_STARTED, version]);
}

/** Marks a started no-transaction migration as applied. */
export async function markApplied(connection: DbConnection, table: string, version: string, durationMs: number): Promise<void> {
  await connection.query(`UPDATE ${table} SET state = ?, duration_ms = ? WHERE version = ?`, [STATE_APPLIED, durationMs, version]);
}

export async function deleteRecord(connection: DbConnection, table: string, version: string): Promise<void> {
  await connection.query(`DELETE FROM ${table} WHERE version = ?`, [version]);
}

/** Re-records a checksum and clears a dirty state (`modkit repair`). */
export async function repairRecord(connection: DbConnection, table: string, version: string, checksum: string): Promise<void> {
  await connection.query(`UPDATE ${table} SET checksum = ?, state = ? WHERE version = ?`, [checksum, STATE_APPLIED, version]);
}
