import { readFile } from 'node:fs/promises';
import { ModkitError } from '../errors.js';
import { inspectDatabase } from '../execute/inspect.js';
import { loadBody } from '../execute/load-body.js';
import type { Migration } from '../modules/types.js';
import { hasSqlStatement, unfinishedProblem } from '../modules/unfinished.js';
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
  /** Problems in the files themselves (each a sentence naming the file). */
  readonly fileProblems: readonly string[];
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
  // Unfinished migrations are file problems like the others, reported with them.
  const project = await loadProject({ ...options, allowUnfinished: true });
  const modules = selectModules(project, options.modules);
  const fileProblems: string[] = modules.flatMap((m) => (m.unfinished ?? []).map(unfinishedProblem));
  for (const module of modules) {
    for (const migration of module.migrations) fileProblems.push(...(await checkMigration(migration)));
  }
  if (options.offline) return { project, fileProblems, online: { checked: false, reason: '--offline' } };
  try {
    const plan = await inspectDatabase(project.config.database, modules, options.allow);
    return { project, fileProblems, online: { checked: true, plan } };
  } catch (error) {
    if (error instanceof ModkitError && error.kind === 'unreachable') {
      return { project, fileProblems, online: { checked: false, reason: error.message } };
    }
    throw error;
  }
}

async function checkMigration(migration: Migration): Promise<string[]> {
  const name = `module "${migration.module}": migration ${migration.id}`;
  if (migration.format === 'script') {
    try {
      await loadBody(migration, 'up');
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
  // An up that holds only comments is unfinished, reported above. Downs are read only here and
  // when they run.
  const down = migration.inline ? migration.inline.down : migration.downFile ? await readFile(migration.downFile) : undefined;
  if (down === undefined || typeof down === 'function') return [];
  if (hasSqlStatement(typeof down === 'string' ? Buffer.from(down) : down)) return [];
  const where = migration.downFile ?? 'its inline down';
  return [`${name}: ${where} holds no SQL statement (only comments or blanks): write the SQL that undoes the up, or a rollback would run nothing and forget the migration`];
}
