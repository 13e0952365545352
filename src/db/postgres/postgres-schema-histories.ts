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
 * Tables per UNION ALL, for the tables not of modkit's own shape (those are read by COPY). A read
 * is a script of such statements: PostgreSQL plans a UNION ALL in
 * time that grows faster than its terms (1,000 tables in one: 3 s; in 50 statements of 20: 0.2 s,
 * measured on PostgreSQL 15, docs/performance.md), and a statement per table costs more per table.
 */
const TABLES_PER_UNION = 20;

/** The columns a copied table is read in (the row's fields, in this order). */
const COPIED_COLUMNS = ['version', 'applied_at', 'checksum', 'duration_ms', 'state', 'run_id'] as const;
const TIMESTAMPTZ_OID = 1184;
/** No row, in the types the rows of a UNION of odd shapes are read in. */
const TYPED_NO_ROW =
  'SELECT NULL::text AS s, NULL::text AS t, NULL::text AS version, NULL::timestamptz AS applied_at, NULL::text AS checksum, ' +
  'NULL::integer AS duration_ms, NULL::text AS state, NULL::text AS run_id WHERE false';
const TEXT_TYPE = /^(character varying(\(\d+\))?|text)$/;

/**
 * The shape modkit creates (postgres-history.ts), read as text by COPY to the same values a query
 * would hand {@link assembleHistories}: text columns as they are, applied_at a timestamptz
 * (parsed by the connection's own parser), duration_ms an integer (the record takes its Number).
 */
function copyable(columns: ReadonlyMap<string, string>): boolean {
  return (
    TEXT_TYPE.test(columns.get('version') ?? '') &&
    columns.get('applied_at') === 'timestamp with time zone' &&
    TEXT_TYPE.test(columns.get('checksum') ?? '') &&
    ['integer', 'bigint', 'smallint'].includes(columns.get('duration_ms') ?? '') &&
    TEXT_TYPE.test(columns.get('state') ?? '') &&
    TEXT_TYPE.test(columns.get('run_id') ?? '')
  );
}

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The histories of many schemas of one database (a schema-per-tenant fleet) in two round trips:
 * one catalog query for the tables and columns of every schema, then one script that reads them
 * all (a `COPY … TO STDOUT` per table of modkit's shape, UNION ALLs of the others) (at most {@link TABLES_PER_READ} tables: the caller splits larger fleets). What it cannot
 * answer exactly as {@link Session.readHistories} would is left out, for the caller to read one
 * target at a time: a target without a schema (or one longer than PostgreSQL's 63 bytes), and a target missing one of its tables whose
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
  const found = await connection.query<{ schema: string; table: string; columns: string }>(
    `SELECT n.nspname AS "schema", c.relname AS "table",
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
  for (const row of found) {
    const tablesOfSchema = bySchema.get(row.schema) ?? new Map<string, ReadonlyMap<string, string>>();
    tablesOfSchema.set(row.table, columnsOf(row.columns));
    bySchema.set(row.schema, tablesOfSchema);
  }

  const answerable = targets.filter((t) => {
    if (!t.schema || !fitsName(t.schema)) return false;
    // A missing table is simply missing only where no other schema can be on the search_path.
    return (bySchema.get(t.schema)?.size ?? 0) === names.length || t.searchPath === quoteIdent(t.schema);
  });
  // A table of the shape modkit creates is read by `COPY … TO STDOUT`: the server opens the table
  // and scans it, with no query to plan (the planner opens each table's indexes and reads their
  // statistics: about 3x the server's CPU per table). Any other shape (an older history table, a
  // legacy applied_at) is selected as a single-database read would, in UNION ALLs.
  const copied: { readonly schema: string; readonly table: string }[] = [];
  const selects: string[] = [];
  for (const schema of new Set(answerable.map((t) => t.schema!))) {
    const dialect = postgresHistory(schema);
    const columns = bySchema.get(schema) ?? new Map();
    const lead = `${quoteLiteral(schema)} AS s, `;
    for (const name of names) {
      const cols = columns.get(name);
      if (!cols) continue;
      if (copyable(cols)) copied.push({ schema, table: name });
      else selects.push(selectHistory(dialect, name, cols, lead));
    }
  }
  const statements = copied.map(
    ({ schema, table }) => `COPY ${quoteIdent(schema)}.${quoteIdent(table)} (${COPIED_COLUMNS.join(', ')}) TO STDOUT`,
  );
  for (let i = 0; i < selects.length; i += TABLES_PER_UNION) {
    // Typed first: PostgreSQL resolves a UNION's column types pair by pair from the left, and two
    // tables lacking a column (`NULL AS duration_ms`) make it text before a table that has it.
    statements.push([TYPED_NO_ROW, ...selects.slice(i, i + TABLES_PER_UNION)].join('\nUNION ALL\n'));
  }
  const { rows, copies } =
    statements.length > 0
      ? await connection.queryScriptWithCopies(statements.join(';\n'))
      : { rows: [] as Row[], copies: [] };
  // applied_at as a query's row would hold it: the connection's own parser of timestamptz text.
  const timestamptz = connection.client.getTypeParser(TIMESTAMPTZ_OID, 'text');
  copied.forEach(({ schema, table }, i) => {
    for (const [version, appliedAt, checksum, durationMs, state, runId] of copies[i] ?? []) {
      rows.push({
        s: schema,
        t: table,
        version,
        applied_at: appliedAt === null || appliedAt === undefined ? null : timestamptz(appliedAt),
        checksum,
        duration_ms: durationMs,
        state,
        run_id: runId,
      });
    }
  });
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
