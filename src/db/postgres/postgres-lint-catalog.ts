/**
 * The lint's view of a live PostgreSQL database (src/db/lint-catalog.ts) in one round trip: one
 * query that returns one JSON document, restricted to the names the pending statements mention.
 */
import type { SqlRunner } from '../history-store.js';
import type { LintCatalog, LintCatalogRequest } from '../lint-catalog.js';

/**
 * The schemas looked at: the search path's and those the statements name ($3), never the system's.
 * `pg_temp` stands for this session's temporary schema, as in a search path.
 */
const USER_SCHEMA =
  "n.nspname = ANY(current_schemas(false) || $3::text[]) AND n.nspname NOT IN ('pg_catalog', 'information_schema')";

/** A column's type: the element type for an array, schema-qualified when it is a domain. */
const TYPE_NAME = `CASE WHEN et.oid IS NOT NULL THEN et.typname
  WHEN t.typtype = 'd' THEN tn.nspname || '.' || t.typname ELSE t.typname END`;

/** The names of the columns numbered `keys` of relation `rel`, as a JSON array. */
const columnNames = (rel: string, keys: string) =>
  `(SELECT coalesce(json_agg(a.attname), '[]') FROM pg_attribute a
    WHERE a.attrelid = ${rel} AND a.attnum = ANY(${keys}))`;

const RELATION_KIND = `CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned' WHEN 'm' THEN 'matview'
  WHEN 'v' THEN 'view' ELSE 'other' END`;

const COLUMNS = `coalesce((SELECT json_agg(json_build_object(
    'name', a.attname, 'type', ${TYPE_NAME}, 'typmod', a.atttypmod, 'array', et.oid IS NOT NULL,
    'collation', CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN co.collname END,
    'notNull', a.attnotnull) ORDER BY a.attnum)
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
  LEFT JOIN pg_type et ON t.typcategory = 'A' AND et.oid = t.typelem
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
  WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]')`;

/**
 * Relations and indexes are looked up schema by schema (LATERAL, fenced by OFFSET 0): by name first,
 * PostgreSQL walked every tenant's table and index of that name in a schema-per-tenant database and
 * kept the one on the search path (46 + 95 ms a tenant at 8,600 schemas, so a fleet's apply grew
 * with the square of its schemas); per schema it is one index probe a name. Domains the same way,
 * by the type names the statements use, plus those of the requested relations' columns (by oid):
 * all of a schema's domains meant a scan of pg_type, which holds two types a table of every tenant
 * (5 ms a tenant at 2,000 schemas, 99 ms at 10,000).
 */
export const CATALOG_SQL = `
WITH rels AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_namespace n
  CROSS JOIN LATERAL (SELECT c.oid, c.relname, c.relkind FROM pg_class c
    WHERE c.relnamespace = n.oid AND c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'm', 'v', 'f') OFFSET 0) c
  WHERE ${USER_SCHEMA}
)
SELECT json_build_object(
  'searchPath', to_json(current_schemas(false)),
  'timeZone', current_setting('TimeZone'),
  'relations', coalesce((SELECT json_agg(json_build_object(
    'schema', r.nspname, 'name', r.relname, 'kind', ${RELATION_KIND},
    'columns', ${COLUMNS},
    'indexes', coalesce((SELECT json_agg(json_build_object('schema', r.nspname, 'name', ic.relname,
        'table', r.relname, 'columns', ${columnNames('r.oid', 'i.indkey')}))
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = r.oid), '[]'),
    'checks', coalesce((SELECT json_agg(json_build_object('name', k.conname, 'validated', k.convalidated,
        'definition', pg_get_constraintdef(k.oid), 'columns', ${columnNames('r.oid', 'k.conkey')}))
      FROM pg_constraint k WHERE k.conrelid = r.oid AND k.contype = 'c'), '[]'),
    'partitionKey', (SELECT ${columnNames('pt.partrelid', 'pt.partattrs')}
      FROM pg_partitioned_table pt WHERE pt.partrelid = r.oid)
  )) FROM rels r), '[]'),
  'indexes', coalesce((SELECT json_agg(json_build_object('schema', n.nspname, 'name', ic.relname,
      'table', tc.relname, 'columns', ${columnNames('tc.oid', 'i.indkey')}))
    FROM pg_namespace n
    CROSS JOIN LATERAL (SELECT ic.oid, ic.relname FROM pg_class ic
      WHERE ic.relnamespace = n.oid AND ic.relname = ANY($1::text[]) AND ic.relkind IN ('i', 'I') OFFSET 0) ic
    JOIN pg_index i ON i.indexrelid = ic.oid JOIN pg_class tc ON tc.oid = i.indrelid
    WHERE ${USER_SCHEMA}), '[]'),
  'domains', coalesce((SELECT json_agg(json_build_object('schema', n.nspname, 'name', t.typname,
      'baseType', bt.typname, 'baseTypmod', t.typtypmod,
      'constrained', t.typnotnull OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contypid = t.oid)))
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type bt ON bt.oid = t.typbasetype
    WHERE t.typtype = 'd' AND ${USER_SCHEMA} AND t.oid IN (
      SELECT t.oid FROM pg_namespace n
      CROSS JOIN LATERAL (SELECT t.oid FROM pg_type t
        WHERE t.typnamespace = n.oid AND t.typname = ANY($4::text[]) AND t.typtype = 'd' OFFSET 0) t
      WHERE ${USER_SCHEMA}
      UNION SELECT CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
      FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attnum > 0)), '[]'),
  'functions', coalesce((SELECT json_agg(json_build_object('schema', n.nspname, 'name', p.proname,
      'volatility', CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.proname = ANY($2::text[]) AND n.nspname = ANY(current_schemas(true) || $3::text[])), '[]')
) AS catalog`;

/** Reads what the lint needs to know about the names in `request`, as the database has them now. */
export async function readPostgresLintCatalog(runner: SqlRunner, request: LintCatalogRequest): Promise<LintCatalog> {
  const rows = await runner.query<{ catalog: LintCatalog }>(CATALOG_SQL, [
    [...request.relations],
    [...request.functions],
    [...request.schemas],
    [...request.types],
  ]);
  return rows[0]!.catalog;
}
