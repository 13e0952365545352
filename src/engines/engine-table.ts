/**
 * The one table of what makes each database engine, read by every folder that needs to know:
 * config (URL schemes, default ports), fleet (schemas), lint (the SQL dialect), output (names).
 * What talks to a driver lives in `src/db/<engine>/`, loaded by `src/db/load-engine.ts`. Adding
 * an engine is a row here and a folder there. This file imports nothing: it is the bottom layer.
 */

/** The SQL a migration of an engine is written in: which splitter and which lint rules read it. */
export type SqlDialect = 'postgres' | 'sqlite' | 'mysql';

export interface EngineTraits {
  /** As printed in output and messages (`PostgreSQL postgres://app:***@db/shop`). */
  readonly name: string;
  /** URL schemes (lower case, before `:`) that name this engine; the first is how its URLs are written. */
  readonly schemes: readonly string[];
  /** How its URLs are shown when a URL names no engine modkit knows. */
  readonly urlForms: readonly string[];
  /**
   * The database is a file: its URLs hold a path (`sqlite:PATH`, never a user or host), and a bare
   * path (no scheme) ending in `suffix` names it.
   */
  readonly file?: { readonly suffix: RegExp; readonly suffixes: string };
  /** A server's port when a URL names none. */
  readonly defaultPort?: string;
  /** The database is the user's name when a URL names none (libpq's rule). */
  readonly databaseDefaultsToUser?: true;
  /**
   * One database holds schemas (a fleet's schema-per-tenant targets): the `search_path` value, in the
   * engine's own syntax, that puts unqualified names in `schema`.
   */
  readonly searchPathOf?: (schema: string) => string;
  /** An identifier quoted for this engine's SQL. */
  readonly quoteIdent: (name: string) => string;
  /** Its driver: an optional dependency, loaded only by a command that opens a database. */
  readonly driver: string;
  /** The SQL its migrations are written in; `postgres` gets the lint's PostgreSQL rules (docs/lint.md). */
  readonly sqlDialect: SqlDialect;
}

const doubleQuoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
const backQuoted = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** The engines, in the order help and messages list them. */
export const ENGINES = {
  postgres: {
    name: 'PostgreSQL',
    schemes: ['postgres', 'postgresql'],
    urlForms: ['postgres://user@host/db', 'postgresql://…'],
    defaultPort: '5432',
    databaseDefaultsToUser: true,
    searchPathOf: doubleQuoted,
    quoteIdent: doubleQuoted,
    driver: 'pg',
    sqlDialect: 'postgres',
  },
  sqlite: {
    name: 'SQLite',
    schemes: ['sqlite', 'file'],
    urlForms: ['sqlite:PATH', 'file:PATH'],
    file: { suffix: /\.(sqlite3?|db)$/i, suffixes: '.sqlite or .db' },
    quoteIdent: doubleQuoted,
    driver: 'better-sqlite3',
    sqlDialect: 'sqlite',
  },
  mysql: {
    name: 'MariaDB/MySQL',
    schemes: ['mysql', 'mariadb'],
    urlForms: ['mysql://user@host/db', 'mariadb://…'],
    defaultPort: '3306',
    quoteIdent: backQuoted,
    driver: 'mysql2',
    sqlDialect: 'mysql',
  },
} as const satisfies Readonly<Record<string, EngineTraits>>;

/** A database engine modkit migrates: a key of {@link ENGINES}. */
export type Engine = keyof typeof ENGINES;

/** The engines whose row has trait `K` (computed from the table: a new row joins by its traits). */
type EnginesWith<K extends keyof EngineTraits> = {
  [E in Engine]: (typeof ENGINES)[E] extends Record<K, unknown> ? E : never;
}[Engine];

/** Engines whose database is a file (SQLite). */
export type FileEngine = EnginesWith<'file'>;
/** Engines whose databases hold schemas (PostgreSQL). */
export type SchemaEngine = EnginesWith<'searchPathOf'>;
/** Engines reached over the network with neither (MariaDB/MySQL). */
export type ServerEngine = Exclude<Engine, FileEngine | SchemaEngine>;

/** True when `engine`'s database is a file (its row has `file`). */
export function isFileEngine(engine: Engine): engine is FileEngine {
  return traitsOf(engine).file !== undefined;
}

/** True when `engine`'s databases hold schemas (its row has `searchPathOf`). */
export function isSchemaEngine(engine: Engine): engine is SchemaEngine {
  return traitsOf(engine).searchPathOf !== undefined;
}

/** Every engine, in table order (`lint --engine` choices). */
export const ENGINE_KEYS = Object.keys(ENGINES) as readonly Engine[];

/** The engine whose file modkit creates when no database is configured, and where (relative to the config). */
export const EMBEDDED = { engine: 'sqlite', path: '.modkit/modkit.sqlite' } as const satisfies {
  readonly engine: Engine;
  readonly path: string;
};

/** The traits of `engine`, typed as the interface (optional fields readable on every row). */
export function traitsOf(engine: Engine): EngineTraits {
  return ENGINES[engine];
}

/** Each engine's name in output and messages. */
export function engineName(engine: Engine): string {
  return ENGINES[engine].name;
}

/** True when the lint's PostgreSQL rules apply to migrations written for `engine`. */
export function hasPostgresLint(engine: Engine): boolean {
  return ENGINES[engine].sqlDialect === 'postgres';
}

/** The names of the engines whose databases hold schemas (`PostgreSQL`), for messages. */
export function schemaEngineNames(): string {
  return ENGINE_KEYS.filter(isSchemaEngine).map(engineName).join(' or ');
}
