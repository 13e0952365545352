import type { DatabaseTarget } from '../../config/types.js';
import type { ModuleHistory } from '../history-types.js';
import { assembleHistories, type Row } from '../history-store.js';
import type { PostgresConnection } from './postgres-connection.js';
import { postgresHistory } from './postgres-history.js';
import { readHistoryRows, type HistoryTableToRead } from './postgres-history-rows.js';
import { quoteIdent } from './quote.js';

/**
 * The histories of many schemas of one database (a schema-per-tenant fleet) in two round trips:
 * one catalog query for the tables and columns of every schema, then one script that reads them
 * all (postgres-history-rows.ts: a `COPY … TO STDOUT` per plain table of modkit's shape, UNION
 * ALLs of the others; the caller splits larger fleets at `TABLES_PER_READ`). What it cannot answer
 * exactly as {@link Session.readHistories} would is left out, for the caller to read one target at
 * a time: a target without a schema (or one longer than PostgreSQL's 63 bytes), and a target
 * missing one of its tables whose search_path names more than its own schema (where stray tables
 * of the same name must be refused). Reads only, on a read-only connection.
 */
export async function readSchemaHistories(
  connection: PostgresConnection,
  targets: readonly DatabaseTarget[],
  /** Module → its history table. */
  tables: ReadonlyMap<string, string>,
): Promise<Map<DatabaseTarget, Map<string, ModuleHistory>>> {
  const read = new Map<DatabaseTarget, Map<string, ModuleHistory>>();
  // A name past PostgreSQL's 63 bytes would match its truncation as `name`: such a target reads its own.
  const schemas = [...new Set(targets.flatMap((t) => (t.schema && fitsName(t.schema) ? [t.schema] : [])))];
  if (schemas.length === 0 || tables.size === 0) return read;
  const names = [...tables.values()];
  // By (schema, table) name on pg_namespace's and pg_class's name indexes: each schema's oid once,
  // then an index probe per (schema oid, table name). A lookup by name alone would scan every
  // tenant's table of that name; `to_regclass` per pair parsed and checked each name (about twice
  // the server's CPU, and a parameter per pair instead of per schema and per table).
  // One row per table, its columns as one JSON text: the tenants' tables share their shape, so a
  // fleet's thousands of identical texts are parsed once (a row per column was 6x the rows to decode).
  const found = await connection.query<{ schema: string; table: string; columns: string; plain: boolean }>(
    `SELECT n.nspname AS "schema", c.relname AS "table", c.relkind = 'r' AND NOT c.relhassubclass AS "plain",
            (SELECT json_agg(json_build_array(a.attname, lower(format_type(a.atttypid, a.atttypmod))) ORDER BY a.attnum)::text
               FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS "columns"
       FROM pg_catalog.pg_namespace n
       JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
      WHERE n.nspname = ANY(?::name[]) AND c.relname = ANY(?::name[]) AND c.relkind IN ('r', 'p')`,
    [schemas, names],
  );
  const shapes = new Map<string, Map<string, string>>();
  const columnsOf = (json: string) => {
    let shape = shapes.get(json);
    if (!shape) shapes.set(json, (shape = new Map(JSON.parse(json ?? '[]') as [string, string][])));
    return shape;
  };
  const bySchema = new Map<string, Map<string, ReadonlyMap<string, string>>>();
  // Partitioned tables and those with inheritance children: selected, not copied (postgres-history-rows.ts).
  const notPlain = new Set<string>();
  for (const row of found) {
    const tablesOfSchema = bySchema.get(row.schema) ?? new Map<string, ReadonlyMap<string, string>>();
    tablesOfSchema.set(row.table, columnsOf(row.columns));
    bySchema.set(row.schema, tablesOfSchema);
    if (!row.plain) notPlain.add(`${row.schema}.${row.table}`);
  }

  const answerable = targets.filter((t) => {
    if (!t.schema || !fitsName(t.schema)) return false;
    // A missing table is simply missing only where no other schema can be on the search_path.
    return (bySchema.get(t.schema)?.size ?? 0) === names.length || t.searchPath === quoteIdent(t.schema);
  });
  // A table of modkit's own shape is read by COPY, any other in UNION ALLs (postgres-history-rows.ts).
  const reads: HistoryTableToRead[] = [];
  for (const schema of new Set(answerable.map((t) => t.schema!))) {
    const dialect = postgresHistory(schema);
    const columns = bySchema.get(schema) ?? new Map<string, ReadonlyMap<string, string>>();
    for (const table of names) {
      const cols = columns.get(table);
      if (cols) reads.push({ dialect, schema, table, columns: cols, plain: !notPlain.has(`${schema}.${table}`) });
    }
  }
  const rows: Row[] = await readHistoryRows(connection, reads);
  const rowsBySchema = groupBy(rows, (row) => String(row.s));
  for (const target of answerable) {
    const dialect = postgresHistory(target.schema!);
    const columns = bySchema.get(target.schema!) ?? new Map();
    read.set(target, assembleHistories(dialect, tables, columns, rowsBySchema.get(target.schema!) ?? []));
  }
  return read;
}

/** Within PostgreSQL's NAMEDATALEN (64 bytes with the terminator). */
const fitsName = (name: string) => Buffer.byteLength(name) < 64;

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
