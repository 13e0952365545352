import type { DatabaseTarget } from '../../config/types.js';
import type { ModuleHistory } from '../history-types.js';
import { assembleHistories, selectHistory, type Row } from '../history-store.js';
import type { PostgresConnection } from './postgres-connection.js';
import { postgresHistory } from './postgres-history.js';

/**
 * Tables one call reads at most. Every table read takes a lock until the read ends: one read of
 * 10,000 tables exceeds PostgreSQL's lock table (`max_locks_per_transaction`) and, as one UNION ALL,
 * its stack depth.
 */
export const TABLES_PER_READ = 1000;

/**
 * Tables per UNION ALL. A read is a script of such statements: PostgreSQL plans a UNION ALL in
 * time that grows faster than its terms (1,000 tables in one: 3 s; in 50 statements of 20: 0.2 s,
 * measured on PostgreSQL 15, docs/performance.md), and a statement per table costs more per table.
 */
const TABLES_PER_UNION = 20;

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The histories of many schemas of one database (a schema-per-tenant fleet) in two round trips:
 * one catalog query for the tables and columns of every schema, then one script that reads them
 * all (at most {@link TABLES_PER_READ} tables: the caller splits larger fleets). What it cannot
 * answer exactly as {@link Session.readHistories} would is left out, for the caller to read one
 * target at a time: a target without a schema, and a target missing one of its tables whose
 * search_path names more than its own schema (where stray tables of the same name must be refused).
 * Reads only, on a read-only connection.
 */
export async function readSchemaHistories(
  connection: PostgresConnection,
  targets: readonly DatabaseTarget[],
  /** Module → its history table. */
  tables: ReadonlyMap<string, string>,
): Promise<Map<DatabaseTarget, Map<string, ModuleHistory>>> {
  const read = new Map<DatabaseTarget, Map<string, ModuleHistory>>();
  const schemas = [...new Set(targets.flatMap((t) => (t.schema ? [t.schema] : [])))];
  if (schemas.length === 0 || tables.size === 0) return read;
  const names = [...tables.values()];
  // One oid lookup per (schema, table): by name alone, every tenant's table of that name is scanned.
  // One row per table, its columns as one JSON text: the tenants' tables share their shape, so a
  // fleet's thousands of identical texts are parsed once (a row per column was 6x the rows to decode).
  const found = await connection.query<{ schema: string; table: string; columns: string }>(
    `SELECT x.s AS "schema", x.t AS "table",
            (SELECT json_agg(json_build_array(a.attname, lower(format_type(a.atttypid, a.atttypmod))) ORDER BY a.attnum)::text
               FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS "columns"
       FROM unnest(?::text[], ?::text[]) AS x(s, t)
       JOIN pg_catalog.pg_class c ON c.oid = to_regclass(format('%I.%I', x.s, x.t)) AND c.relkind IN ('r', 'p')`,
    [schemas.flatMap((s) => names.map(() => s)), schemas.flatMap(() => names)],
  );
  const shapes = new Map<string, Map<string, string>>();
  const columnsOf = (json: string) => {
    let shape = shapes.get(json);
    if (!shape) shapes.set(json, (shape = new Map(JSON.parse(json ?? '[]') as [string, string][])));
    return shape;
  };
  const bySchema = new Map<string, Map<string, ReadonlyMap<string, string>>>();
  for (const row of found) {
    const tablesOfSchema = bySchema.get(row.schema) ?? new Map<string, ReadonlyMap<string, string>>();
    tablesOfSchema.set(row.table, columnsOf(row.columns));
    bySchema.set(row.schema, tablesOfSchema);
  }

  const answerable = targets.filter((t) => {
    if (!t.schema) return false;
    // A missing table is simply missing only where no other schema can be on the search_path.
    return (bySchema.get(t.schema)?.size ?? 0) === names.length || t.searchPath === quoteIdent(t.schema);
  });
  const selects = [...new Set(answerable.map((t) => t.schema!))].flatMap((schema) => {
    const dialect = postgresHistory(schema);
    const columns = bySchema.get(schema) ?? new Map();
    const lead = `${quoteLiteral(schema)} AS s, `;
    return names.filter((n) => columns.has(n)).map((n) => selectHistory(dialect, n, columns.get(n)!, lead));
  });
  const statements: string[] = [];
  for (let i = 0; i < selects.length; i += TABLES_PER_UNION) {
    statements.push(selects.slice(i, i + TABLES_PER_UNION).join('\nUNION ALL\n'));
  }
  const rows: Row[] = statements.length > 0 ? await connection.queryScript(statements.join(';\n')) : [];
  const rowsBySchema = groupBy(rows, (row) => String(row.s));
  for (const target of answerable) {
    const dialect = postgresHistory(target.schema!);
    const columns = bySchema.get(target.schema!) ?? new Map();
    read.set(target, assembleHistories(dialect, tables, columns, rowsBySchema.get(target.schema!) ?? []));
  }
  return read;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
