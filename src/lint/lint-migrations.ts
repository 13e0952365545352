/**
 * Lints migrations module by module: the up SQL of every migration of a PostgreSQL module
 * (files and inline SQL); script migrations are skipped and counted, and modules on other engines
 * are counted as not linted ("PostgreSQL rules only"). Modules of one database share one schema
 * model, fed by their migrations in order and, for `migrate`, seeded from the live catalog first.
 * PostgreSQL's parser is loaded only when a file needs it: files of plain CREATE TABLEs get the
 * same parse without it (./plain-sql/create-table.ts).
 */
import type { LintCatalogReader, LintCatalogRequest } from '../db/lint-catalog.js';
import { engineName, hasPostgresLint, type Engine } from '../engines/engine-table.js';
import { loadBody } from '../modules/load-body.js';
import type { Migration } from '../modules/types.js';
import { judgeFile, type LintFinding } from './lint-sql.js';
import { loadPostgresParser, type PostgresParser } from './postgres-parser.js';
import { plainParserFor } from './plain-sql/plain-parser.js';
import { largeFileSource } from './large-file.js';
import { mentionedNames, prepareFile, type PreparedFile } from './prepare-file.js';
import { countFindings, type LintCounts } from './lint-counts.js';
import type { Severities } from '../config/lint-rules.js';
import { transactionControlFindings } from './transaction-control.js';
import { SchemaModel, type LintScope } from './schema/schema-model.js';
import { seedFromCatalog } from './schema/seed-catalog.js';

/** One linted migration and what was found in it (possibly nothing). */
export interface LintedMigration {
  readonly module: string;
  readonly id: string;
  /** The up file; undefined for an inline migration (then `moduleFile` says where it is). */
  readonly file?: string;
  readonly moduleFile?: string;
  readonly findings: readonly LintFinding[];
}

/** Migrations not linted, by module, and why. */
export interface NotLinted {
  readonly module: string;
  /** `script`: TS/JS migrations (their SQL is only known when they run); else the engine's name. */
  readonly reason: 'script' | 'engine';
  /** The module's engine, as printed (`SQLite`). */
  readonly engine: string;
  readonly ids: readonly string[];
}

export interface LintReport extends LintCounts {
  readonly migrations: readonly LintedMigration[];
  readonly notLinted: readonly NotLinted[];
  /** A live catalog that could not be read (the files were judged without it). */
  readonly catalogProblems?: readonly string[];
}

/** A module's migrations to lint, and the engine of the database they are written for. */
export interface LintInput {
  readonly module: string;
  readonly moduleFile?: string;
  readonly engine: Engine;
  readonly migrations: readonly Migration[];
  /** The database they run in (its canonical key): modules of one database share a schema model. */
  readonly database?: string;
  /** That database, live (migrate): tables it does not have are new, columns have their real types. */
  readonly live?: LintCatalogReader;
}

/** Parsed files by migration: a fleet parses each pending file once for all its targets. */
export type LintCache = Map<Migration, PreparedFile>;

export interface LintRunOptions {
  /** `files` (lint, validate): each file is the next deploy; `run` (migrate): one run applies them all. */
  readonly scope?: LintScope;
  readonly cache?: LintCache;
  /** Only these migrations' findings are reported (`lint --since`); the others still feed the schema model. */
  readonly reported?: (migration: Migration) => boolean;
  /** Where bodies come from: default, read now; `migrate` passes its run's loader (modules/body-cache.ts). */
  readonly loadBody?: typeof loadBody;
}

export async function lintMigrations(
  inputs: readonly LintInput[],
  severities: Severities,
  options: LintRunOptions = {},
): Promise<LintReport> {
  const notLinted: NotLinted[] = [];
  const prepared = new Map<Migration, PreparedFile>();
  const bodies = options.loadBody ?? loadBody;
  const linted = inputs.filter((input) => {
    if (hasPostgresLint(input.engine)) return true;
    if (input.migrations.length > 0)
      notLinted.push({
        module: input.module,
        reason: 'engine',
        engine: engineName(input.engine),
        ids: input.migrations.map((m) => m.id),
      });
    return false;
  });
  let loaded: PostgresParser | undefined;
  const parser = async () => (loaded ??= await loadPostgresParser());
  for (const input of linted) {
    const scripts: string[] = [];
    for (const migration of input.migrations) {
      let file = options.cache?.get(migration);
      const large = file ? undefined : largeFileSource(migration);
      if (large) file = prepareFile(large.source, large.transactional, await parser());
      if (!file) {
        const body = migration.format === 'sql' || migration.inline ? await bodies(migration, 'up') : undefined;
        if (body?.format !== 'sql') {
          scripts.push(migration.id);
          continue;
        }
        file = prepareFile(body.sql, body.transactional, plainParserFor(body.sql) ?? (await parser()));
      }
      options.cache?.set(migration, file);
      prepared.set(migration, file);
    }
    if (scripts.length > 0)
      notLinted.push({ module: input.module, reason: 'script', engine: engineName(input.engine), ids: scripts });
  }
  const catalogProblems: string[] = [];
  const models = await schemaModels(linted, prepared, options.scope ?? 'files', catalogProblems);
  const migrations: LintedMigration[] = [];
  for (const input of linted) {
    const model = models.get(input.database ?? '')!;
    for (const migration of input.migrations) {
      const file = prepared.get(migration);
      if (!file) continue;
      const findings = judgeFile(file, model, severities);
      if (options.reported && !options.reported(migration)) continue;
      const where = migration.file
        ? { file: migration.file }
        : input.moduleFile
          ? { moduleFile: input.moduleFile }
          : {};
      migrations.push({ module: input.module, id: migration.id, ...where, findings });
    }
  }
  migrations.push(...(await otherEngines(inputs, severities, options)));
  const counts = countFindings(migrations.flatMap((m) => m.findings));
  return { migrations, notLinted, ...counts, ...(catalogProblems.length > 0 ? { catalogProblems } : {}) };
}

/**
 * Migrations PostgreSQL's rules do not apply to still get the one rule every engine has, from the
 * same detector `migrate` refuses with (lint/transaction-control.ts).
 */
async function otherEngines(
  inputs: readonly LintInput[],
  severities: Severities,
  options: LintRunOptions,
): Promise<LintedMigration[]> {
  const found: LintedMigration[] = [];
  const bodies = options.loadBody ?? loadBody;
  for (const input of inputs.filter((i) => !hasPostgresLint(i.engine))) {
    for (const migration of input.migrations) {
      if (options.reported && !options.reported(migration)) continue;
      const body = migration.format === 'sql' || migration.inline ? await bodies(migration, 'up') : undefined;
      if (body?.format !== 'sql' || !body.transactional) continue;
      const findings = await transactionControlFindings(body.sql, input.engine, severities['transaction-control']);
      if (findings.length === 0) continue;
      const where = migration.file
        ? { file: migration.file }
        : input.moduleFile
          ? { moduleFile: input.moduleFile }
          : {};
      found.push({ module: input.module, id: migration.id, ...where, findings });
    }
  }
  return found;
}

/** One schema model per database, seeded from its live catalog when the inputs carry one. */
async function schemaModels(
  inputs: readonly LintInput[],
  prepared: ReadonlyMap<Migration, PreparedFile>,
  scope: LintScope,
  problems: string[],
): Promise<Map<string, SchemaModel>> {
  const models = new Map<string, SchemaModel>();
  for (const database of new Set(inputs.map((i) => i.database ?? ''))) {
    const group = inputs.filter((i) => (i.database ?? '') === database);
    const files = group.flatMap((i) => i.migrations.flatMap((m) => prepared.get(m) ?? []));
    // No rule judges a CREATE TABLE, so a run of nothing else asks the catalog nothing (one query saved).
    const live = files.every(onlyCreatesTables) ? undefined : group.find((i) => i.live)?.live;
    if (!live) {
      models.set(database, new SchemaModel(scope));
      continue;
    }
    const mentioned = {
      relations: new Set<string>(),
      functions: new Set<string>(),
      schemas: new Set<string>(),
      types: new Set<string>(),
    };
    for (const file of files) mentionedNames(file, mentioned);
    const request: LintCatalogRequest = {
      relations: [...mentioned.relations],
      functions: [...mentioned.functions],
      schemas: [...mentioned.schemas],
      types: [...mentioned.types],
    };
    const catalog = await live.readLintCatalog(request).catch((error: unknown) => {
      // modkit's own query failed, not the user's migration: judge without it, and say so.
      problems.push(
        `the live catalog could not be read for the lint (${(error as Error).message}): the pending files were ` +
          'judged without it, every table they do not create counted as live',
      );
      return undefined;
    });
    const model = new SchemaModel(scope, catalog);
    if (catalog) seedFromCatalog(model, catalog);
    models.set(database, model);
  }
  return models;
}

/**
 * True when every statement of the file is a CREATE TABLE (or it has none: a syntax error, only
 * comments): no rule looks at one (src/lint/rules), so its findings are the same whatever the live
 * catalog holds.
 */
function onlyCreatesTables(file: PreparedFile): boolean {
  return file.units.every((unit) => 'stmt' in unit && 'CreateStmt' in unit.stmt);
}
