import { selectHistory, type HistoryDialect, type Row } from '../history-store.js';
import type { PostgresConnection } from './postgres-connection.js';
import { quoteIdent, quoteLiteral } from './quote.js';

/**
 * Tables one script reads at most. Every table read takes a lock until the read ends: one read of
 * 10,000 tables exceeds PostgreSQL's lock table (`max_locks_per_transaction`) and, as one UNION ALL,
 * its stack depth.
 */
export const TABLES_PER_READ = 1000;

/**
 * Tables per UNION ALL, for the tables not of modkit's own shape (those are read by COPY). A read
 * is a script of such statements: PostgreSQL plans a UNION ALL in time that grows faster than its
 * terms (1,000 tables in one: 3 s; in 50 statements of 20: 0.2 s, measured on PostgreSQL 15,
 * docs/performance.md), and a statement per table costs more per table.
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

/** A history table that exists, with its columns (name → type), in the schema its dialect addresses. */
export interface HistoryTableToRead {
  readonly dialect: HistoryDialect;
  readonly schema: string;
  readonly table: string;
  readonly columns: ReadonlyMap<string, string>;
  /** A plain table without inheritance children, when the caller read the catalog's flags; else looked up. */
  readonly plain?: boolean;
}

/**
 * The rows of these history tables, each tagged with its schema in `s` and its table in `t`, the
 * values as a query would hand them to {@link assembleHistories}: per {@link TABLES_PER_READ}
 * tables, a look at the catalog's flags and one script. A plain table of the shape modkit creates
 * is read by `COPY … TO STDOUT`: the server opens the table and scans it, with no query to plan
 * (the planner opens each table's indexes and reads their statistics: about 3x the server's CPU
 * per table, and 11-13 ms against 4-5 ms for the 50 tables of a new connection). Any other (an
 * older history table, a legacy applied_at, a partitioned table, one with inheritance children)
 * is selected in UNION ALLs.
 */
export async function readHistoryRows(
  connection: PostgresConnection,
  tables: readonly HistoryTableToRead[],
): Promise<Row[]> {
  const rows: Row[] = [];
  for (let i = 0; i < tables.length; i += TABLES_PER_READ)
    rows.push(...(await readScript(connection, tables.slice(i, i + TABLES_PER_READ))));
  return rows;
}

async function readScript(connection: PostgresConnection, tables: readonly HistoryTableToRead[]): Promise<Row[]> {
  const notPlain = await notPlainTables(
    connection,
    tables.filter((read) => read.plain === undefined && copyable(read.columns)),
  );
  const copied: HistoryTableToRead[] = [];
  const selects: string[] = [];
  for (const read of tables) {
    const plain = read.plain ?? !notPlain.has(`${read.schema}.${read.table}`);
    if (plain && copyable(read.columns)) copied.push(read);
    else selects.push(selectHistory(read.dialect, read.table, read.columns, `${quoteLiteral(read.schema)} AS s, `));
  }
  const statements = copied.map(
    ({ schema, table }) => `COPY ${quoteIdent(schema)}.${quoteIdent(table)} (${COPIED_COLUMNS.join(', ')}) TO STDOUT`,
  );
  for (let i = 0; i < selects.length; i += TABLES_PER_UNION) {
    // Typed first: PostgreSQL resolves a UNION's column types pair by pair from the left, and two
    // tables lacking a column (`NULL AS duration_ms`) make it text before a table that has it.
    statements.push([TYPED_NO_ROW, ...selects.slice(i, i + TABLES_PER_UNION)].join('\nUNION ALL\n'));
  }
  if (statements.length === 0) return [];
  const { rows, copies } = await connection.queryScriptWithCopies(statements.join(';\n'));
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
  return rows;
}

/**
 * Which of these tables a COPY would not read as a SELECT does (`schema.table`): a partitioned
 * table (COPY refuses it) or one with inheritance children (COPY reads the parent's own rows
 * only). The catalog's flags, by name on its indexes; usually none.
 */
async function notPlainTables(
  connection: PostgresConnection,
  tables: readonly HistoryTableToRead[],
): Promise<Set<string>> {
  if (tables.length === 0) return new Set();
  const rows = await connection.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS "name"
       FROM pg_catalog.pg_namespace n
       JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
      WHERE n.nspname = ANY(?::name[]) AND c.relname = ANY(?::name[]) AND (c.relkind <> 'r' OR c.relhassubclass)`,
    [[...new Set(tables.map((t) => t.schema))], [...new Set(tables.map((t) => t.table))]],
  );
  return new Set(rows.map((r) => r.name));
}

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
