/**
 * The schema a statement meets: tables (their columns, indexes, CHECK constraints, partition key),
 * indexes, domains and functions, as the earlier migrations left them — and, when migrate has a
 * connection, as the live catalog has them. Tables are identified by schema-qualified name under
 * the search path (`public` offline, the session's own with a catalog); a TEMP table lives in
 * `pg_temp`, which PostgreSQL searches first, so it hides a same-named table only where
 * PostgreSQL would.
 *
 * Liveness: a table is *new* (empty, unseen by the running application: no lock or rewrite on it
 * matters) when this file created it — or, in a migrate run, an earlier migration of the same run,
 * or when the live catalog does not have it. `CREATE TABLE IF NOT EXISTS` makes nothing new that
 * may already exist.
 */
import type { RangeVar } from 'libpg-query';
import type { LintCatalog } from '../../db/lint-catalog.js';
import type { ColumnType } from './column-type.js';
import type { DomainInfo, TypeLookups } from './type-change.js';

export interface ColumnInfo {
  type: ColumnType;
  collation?: string;
  notNull: boolean;
}

export interface CheckInfo {
  readonly name?: string;
  readonly columns: readonly string[];
  /** `CHECK (col IS NOT NULL)`: the column it proves not null. */
  readonly notNullOf?: string;
  validated: boolean;
}

export interface TableInfo {
  key: string;
  kind: 'table' | 'matview' | 'view';
  /** False while nothing live can be using it (see the file comment). */
  live: boolean;
  /** Columns as far as known; undefined when they are not (CREATE TABLE AS, LIKE, a table from nowhere). */
  columns: Map<string, ColumnInfo> | undefined;
  checks: CheckInfo[];
  partitionKey?: readonly string[];
}

export interface IndexInfo {
  /** The key of its table. */
  table: string;
  readonly columns: readonly string[];
}

export interface FunctionInfo {
  readonly volatility: 'immutable' | 'stable' | 'volatile';
}

/** How tables created by earlier files count: live (`files`: each file is its own deploy) or new (`run`). */
export type LintScope = 'files' | 'run';

export const TEMP_SCHEMA = 'pg_temp';
const OFFLINE_SEARCH_PATH: readonly string[] = ['public'];

export class SchemaModel implements TypeLookups {
  readonly tables = new Map<string, TableInfo>();
  readonly indexes = new Map<string, IndexInfo>();
  readonly domains = new Map<string, DomainInfo>();
  readonly functions = new Map<string, FunctionInfo[]>();
  readonly timeZoneIsUtc: boolean | undefined;
  /** The search path a file starts with (a `SET search_path` lasts until the file ends). */
  private readonly baseSearchPath: readonly string[];
  searchPath: readonly string[];

  constructor(
    readonly scope: LintScope,
    /** With a catalog, a table it does not have does not exist: anything named so is new. */
    readonly catalog?: LintCatalog,
  ) {
    this.baseSearchPath = catalog && catalog.searchPath.length > 0 ? catalog.searchPath : OFFLINE_SEARCH_PATH;
    this.searchPath = this.baseSearchPath;
    this.timeZoneIsUtc = catalog
      ? /^(etc\/)?(utc|uct|gmt|zulu|universal|greenwich)$/i.test(catalog.timeZone)
      : undefined;
  }

  /** Where an unqualified name of a new object goes: the first schema of the search path. */
  get creationSchema(): string {
    return this.searchPath[0] ?? 'public';
  }

  /** The key of the table `relation` names (temp tables first, as PostgreSQL searches). */
  tableKey(relation: Pick<RangeVar, 'schemaname' | 'relname' | 'relpersistence'>): string {
    const name = relation.relname ?? '?';
    if (relation.schemaname) return `${relation.schemaname === 'pg_temp' ? TEMP_SCHEMA : relation.schemaname}.${name}`;
    if (relation.relpersistence === 't') return `${TEMP_SCHEMA}.${name}`;
    if (this.tables.has(`${TEMP_SCHEMA}.${name}`)) return `${TEMP_SCHEMA}.${name}`;
    const found = this.searchPath.find((schema) => this.tables.has(`${schema}.${name}`));
    return `${found ?? this.creationSchema}.${name}`;
  }

  /** The key a CREATE gives `relation`: its schema, `pg_temp` for TEMP, else the first of the search path. */
  createKey(relation: Pick<RangeVar, 'schemaname' | 'relname' | 'relpersistence'>): string {
    if (relation.schemaname || relation.relpersistence === 't') return this.tableKey(relation);
    return `${this.creationSchema}.${relation.relname ?? '?'}`;
  }

  /** `SET search_path`: the named schemas for the rest of the file; undefined (RESET) goes back. */
  setSearchPath(schemas: readonly string[] | undefined): void {
    this.searchPath = schemas && schemas.length > 0 ? schemas : this.baseSearchPath;
  }

  table(relation: RangeVar | undefined): TableInfo | undefined {
    return relation ? this.tables.get(this.tableKey(relation)) : undefined;
  }

  /**
   * The table `relation` names, taking note of one the model has not seen (created elsewhere: by a
   * script, another tool, an earlier database): live offline, new when the live catalog lacks it.
   */
  ensureTable(relation: RangeVar): TableInfo {
    const key = this.tableKey(relation);
    let table = this.tables.get(key);
    if (!table)
      this.setTable((table = { key, kind: 'table', live: this.catalog === undefined, columns: undefined, checks: [] }));
    return table;
  }

  /** True when nothing live can be affected by a lock or rewrite of this table (see the file comment). */
  isNew(relation: RangeVar | undefined): boolean {
    if (!relation) return false;
    const table = this.table(relation);
    if (table) return !table.live;
    return this.catalog !== undefined && !relation.schemaname?.startsWith('pg_');
  }

  /** The key of an index or other schema object named by a qualified-name list. */
  objectKey(parts: readonly string[], map: ReadonlyMap<string, unknown>): string {
    const name = parts.at(-1) ?? '?';
    if (parts.length > 1) return `${parts.at(-2)}.${name}`;
    const found = this.searchPath.find((schema) => map.has(`${schema}.${name}`));
    return `${found ?? this.creationSchema}.${name}`;
  }

  /** The domain a type name stands for (`TypeLookups`). */
  domain(name: string): DomainInfo | undefined {
    return this.domains.get(name.includes('.') ? name : this.objectKey([name], this.domains));
  }

  /** The declared volatility of a function the model knows, by (possibly qualified) name. */
  functionVolatility(parts: readonly string[]): FunctionInfo['volatility'] | undefined {
    // pg_catalog is searched first even when the search path does not name it.
    const schemas = ['pg_catalog', ...this.searchPath];
    const overloads =
      parts.length > 1
        ? this.functions.get(parts.join('.'))
        : schemas.map((s) => this.functions.get(`${s}.${parts[0]}`)).find(Boolean);
    if (!overloads || overloads.length === 0) return undefined;
    return overloads.some((f) => f.volatility === 'volatile')
      ? 'volatile'
      : overloads.some((f) => f.volatility === 'stable')
        ? 'stable'
        : 'immutable';
  }

  /** In `files` scope, the tables this file made new (the next file meets them live). */
  private readonly madeNew = new Set<TableInfo>();
  /** TEMP tables: they go with the session, which a migration does not share with the next. */
  private readonly temps = new Set<string>();

  /** Adds (or replaces) a table. */
  setTable(table: TableInfo): void {
    if (this.tables.has(table.key)) this.dropTable(table.key);
    this.tables.set(table.key, table);
    if (table.key.startsWith(`${TEMP_SCHEMA}.`)) this.temps.add(table.key);
    else if (!table.live && this.scope === 'files') this.madeNew.add(table);
  }

  /** A new file starts: its search path is the session's again; in `files` scope earlier files' tables are live. */
  startFile(): void {
    this.searchPath = this.baseSearchPath;
    for (const key of this.temps) this.tables.delete(key);
    this.temps.clear();
    for (const table of this.madeNew) table.live = true;
    this.madeNew.clear();
  }

  /** Renames a table's key, keeping its indexes pointed at it. */
  moveTable(from: string, to: string): void {
    const table = this.tables.get(from);
    if (!table) return;
    this.tables.delete(from);
    table.key = to;
    this.tables.set(to, table);
    for (const index of this.indexes.values()) if (index.table === from) index.table = to;
  }

  dropTable(key: string): void {
    this.tables.delete(key);
    for (const [name, index] of this.indexes) if (index.table === key) this.indexes.delete(name);
  }

  /** The indexes of `table` that include `column`, by name. */
  indexesOn(tableKey: string, column: string): string[] {
    return [...this.indexes]
      .filter(([, i]) => i.table === tableKey && i.columns.includes(column))
      .map(([name]) => name.split('.').at(-1)!);
  }
}
