/**
 * Lints migrations module by module: the up SQL of every migration of a PostgreSQL module
 * (files and inline SQL); script migrations are skipped and counted, and modules on other engines
 * are counted as not linted ("PostgreSQL rules only"). The parser is loaded only when at least one
 * SQL migration is to be linted.
 */
import { ENGINE_NAMES } from '../config/database-url.js';
import type { Engine } from '../config/types.js';
import { hasPostgresLint } from '../db/load-engine.js';
import { loadBody } from '../modules/load-body.js';
import type { Migration } from '../modules/types.js';
import { lintSql, type LintFinding } from './lint-sql.js';
import { loadPostgresParser } from './postgres-parser.js';
import type { Severities } from './rule-table.js';

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

export interface LintReport {
  readonly migrations: readonly LintedMigration[];
  readonly notLinted: readonly NotLinted[];
  /** Counts of findings not silenced by an ignore comment, and of the silenced ones. */
  readonly errors: number;
  readonly warnings: number;
  readonly ignored: number;
}

/** A module's migrations to lint, and the engine of the database they are written for. */
export interface LintInput {
  readonly module: string;
  readonly moduleFile?: string;
  readonly engine: Engine;
  readonly migrations: readonly Migration[];
}

/**
 * Findings already made, by migration: a fleet lints the same pending files for every target it
 * migrates, and parses each once (the severities of one run do not change).
 */
export type LintCache = Map<Migration, readonly LintFinding[]>;

export async function lintMigrations(inputs: readonly LintInput[], severities: Severities, cache?: LintCache): Promise<LintReport> {
  const migrations: LintedMigration[] = [];
  const notLinted: NotLinted[] = [];
  const toParse = inputs.filter((i) => hasPostgresLint(i.engine) && i.migrations.some((m) => m.format === 'sql' && !cache?.has(m)));
  const parser = toParse.length > 0 ? await loadPostgresParser() : undefined;
  for (const input of inputs) {
    const engine = ENGINE_NAMES[input.engine];
    if (!hasPostgresLint(input.engine)) {
      if (input.migrations.length > 0) notLinted.push({ module: input.module, reason: 'engine', engine, ids: input.migrations.map((m) => m.id) });
      continue;
    }
    const scripts: string[] = [];
    for (const migration of input.migrations) {
      const cached = cache?.get(migration);
      if (cached) {
        migrations.push(linted(input, migration, cached));
        continue;
      }
      const body = migration.format === 'sql' || migration.inline ? await loadBody(migration, 'up') : undefined;
      if (body?.format !== 'sql') {
        scripts.push(migration.id);
        continue;
      }
      const findings = lintSql(body.sql, parser!, { transactional: body.transactional, severities });
      cache?.set(migration, findings);
      migrations.push(linted(input, migration, findings));
    }
    if (scripts.length > 0) notLinted.push({ module: input.module, reason: 'script', engine, ids: scripts });
  }
  const all = migrations.flatMap((m) => m.findings);
  const counted = all.filter((f) => !f.ignored);
  return {
    migrations,
    notLinted,
    errors: counted.filter((f) => f.severity === 'error').length,
    warnings: counted.filter((f) => f.severity === 'warn').length,
    ignored: all.length - counted.length,
  };
}

function linted(input: LintInput, migration: Migration, findings: readonly LintFinding[]): LintedMigration {
  return {
    module: input.module,
    id: migration.id,
    ...(migration.file ? { file: migration.file } : input.moduleFile ? { moduleFile: input.moduleFile } : {}),
    findings,
  };
}
