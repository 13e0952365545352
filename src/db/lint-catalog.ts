/**
 * What `migrate`'s lint asks of the live database before it judges the pending migrations: the
 * relations, domains and functions their statements name, as they are now. The lint uses it to
 * tell a live table from one nothing uses yet (absent from the catalog), and to judge a column's
 * type change from the column's real current type. Plain data: the engine's session reads it
 * (PostgreSQL: src/db/postgres/postgres-lint-catalog.ts) and lint/ never talks to a driver.
 */

/**
 * The names the pending statements mention (bare, unqualified), looked up in the schemas of the
 * session's search path and in `schemas`, the ones the statements name themselves (a qualified
 * name, `SET search_path`). Only those: in a database of 1,000 tenant schemas with the same tables,
 * every tenant's read would otherwise return every tenant's tables (quadratic over a fleet).
 */
export interface LintCatalogRequest {
  readonly relations: readonly string[];
  readonly functions: readonly string[];
  readonly schemas: readonly string[];
  /** Type names the statements use (a domain's, among others); the requested relations' column types are added by the reader. */
  readonly types: readonly string[];
}

export interface LintCatalog {
  /** The schemas unqualified names resolve to, in order (PostgreSQL: `current_schemas(false)`). */
  readonly searchPath: readonly string[];
  /** The session's `TimeZone` (a `timestamp` ↔ `timestamptz` change rewrites unless it is UTC). */
  readonly timeZone: string;
  /** Tables, partitioned tables, materialized views and views with a requested name. */
  readonly relations: readonly CatalogRelation[];
  /** Indexes with a requested name, and the table each belongs to. */
  readonly indexes: readonly CatalogIndex[];
  /** Every domain in the schemas looked at (column types may name any of them). */
  readonly domains: readonly CatalogDomain[];
  /** Functions with a requested name, one entry per overload. */
  readonly functions: readonly CatalogFunction[];
}

export interface CatalogRelation {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'partitioned' | 'matview' | 'view' | 'other';
  readonly columns: readonly CatalogColumn[];
  readonly indexes: readonly CatalogIndex[];
  readonly checks: readonly CatalogCheck[];
  /** The partition key's columns, for a partitioned table. */
  readonly partitionKey?: readonly string[] | null;
}

export interface CatalogColumn {
  readonly name: string;
  /** The type's name as the catalog spells it (`int4`, `varchar`), schema-qualified for a domain. */
  readonly type: string;
  /** The type modifier (`atttypmod`): -1 when none. */
  readonly typmod: number;
  readonly array: boolean;
  /** The column's collation when it is not its type's default. */
  readonly collation?: string | null;
  readonly notNull: boolean;
}

export interface CatalogIndex {
  readonly schema: string;
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
}

export interface CatalogCheck {
  readonly name: string;
  readonly validated: boolean;
  readonly columns: readonly string[];
  /** The constraint as `pg_get_constraintdef` prints it (`CHECK ((email IS NOT NULL))`). */
  readonly definition: string;
}

export interface CatalogDomain {
  readonly schema: string;
  readonly name: string;
  readonly baseType: string;
  readonly baseTypmod: number;
  /** It has CHECK or NOT NULL constraints: a column changed to it has every row checked. */
  readonly constrained: boolean;
}

export interface CatalogFunction {
  readonly schema: string;
  readonly name: string;
  readonly volatility: 'immutable' | 'stable' | 'volatile';
}

/** A session that can read the catalog for the lint (PostgreSQL's). */
export interface LintCatalogReader {
  readLintCatalog(request: LintCatalogRequest): Promise<LintCatalog>;
}
