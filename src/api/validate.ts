import { readFile } from 'node:fs/promises';
import { splitSqlStatements } from '../db/split-sql.js';
import { ModkitError } from '../errors.js';
import { groupByDatabase, type DatabaseGroup } from '../config/database-groups.js';
import { inspectDatabases } from '../execute/inspect.js';
import { loadBody } from '../modules/load-body.js';
import { readDirectives } from '../modules/directives.js';
import type { Migration } from '../modules/types.js';
import type { AllowOptions, MigrationPlan } from '../plan/types.js';
import { loadProject, selectModules, type Project } from '../project/load-project.js';
import type { ProjectOptions } from './options.js';

export interface ValidateOptions extends ProjectOptions {
  readonly allow?: AllowOptions;
  /** Skip the database: check files only (and load no driver). */
  readonly offline?: boolean;
}

export interface ValidateReport {
  readonly project: Project;
  /** The databases of the selected modules, in lock order, each with its modules (known offline too). */
  readonly databases: readonly DatabaseGroup[];
  /** Problems in the files themselves (each a sentence naming the file). */
  readonly fileProblems: readonly string[];
  /** Comments that look like another tool's instructions modkit does not act on (file:line: text). */
  readonly markerWarnings: readonly string[];
  /** The database check: skipped with `--offline` or when the database does not answer. */
  readonly online:
    | { readonly checked: true; readonly plan: MigrationPlan }
    | { readonly checked: false; readonly reason: string };
}

/**
 * `modkit validate`: the graph, names and ids (loading the project checks those and throws a
 * UsageError listing them), then every migration file's content, then, when the database
 * answers, drift, missing, dirty and out-of-order. Changes nothing.
 */
export async function validate(options: ValidateOptions = {}): Promise<ValidateReport> {
  const project = await loadProject(options);
  const modules = selectModules(project, options.modules);
  const fileProblems: string[] = [];
  const markerWarnings: string[] = [];
  for (const module of modules) {
    for (const migration of module.migrations) {
      const checked = await checkMigration(migration);
      fileProblems.push(...checked.problems);
      markerWarnings.push(...checked.markers);
    }
  }
  const databases = groupByDatabase(project.config, modules.map((m) => m.name));
  const files = { project, databases, fileProblems, markerWarnings };
  if (options.offline) return { ...files, online: { checked: false, reason: '--offline' } };
  try {
    const { plan } = await inspectDatabases(project.config, modules, options.allow);
    return { ...files, online: { checked: true, plan } };
  } catch (error) {
    if (error instanceof ModkitError && error.kind === 'unreachable') {
      return { ...files, online: { checked: false, reason: error.message } };
    }
    throw error;
  }
}

async function checkMigration(migration: Migration): Promise<{ problems: string[]; markers: string[] }> {
  const name = `module "${migration.module}": migration ${migration.id}`;
  if (migration.format === 'script') {
    try {
      await loadBody(migration, 'up');
      return { problems: [], markers: [] };
    } catch (error) {
      return { problems: [(error as Error).message], markers: [] };
    }
  }
  const problems: string[] = [];
  const sources: [string, string | undefined][] = migration.inline
    ? [['up', typeof migration.inline.up === 'string' ? migration.inline.up : undefined]]
    : [
        [migration.file!, await readFile(migration.file!, 'utf8')],
        ...(migration.downFile ? [[migration.downFile, await readFile(migration.downFile, 'utf8')] as [string, string]] : []),
      ];
  const markers: string[] = [];
  for (const [where, sql] of sources) {
    if (sql === undefined) continue;
    if (splitSqlStatements(sql).length === 0) problems.push(`${name}: ${where} holds no SQL statement (only comments or blanks)`);
    for (const unknown of readDirectives(sql).unknown) {
      markers.push(`${where}:${unknown.line}: "${unknown.text}" looks like an instruction to a migration tool, but modkit does not act on it (see README, "Files other tools wrote")`);
    }
  }
  return { problems, markers };
}
