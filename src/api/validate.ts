import { readFile } from 'node:fs/promises';
import { ModkitError } from '../errors.js';
import { groupByDatabase, type DatabaseGroup } from '../config/database-groups.js';
import { inspectDatabases } from '../execute/inspect.js';
import { loadBody } from '../modules/load-body.js';
import { readDirectives } from '../modules/directives.js';
import type { Migration } from '../modules/types.js';
import { hasSqlStatement, unfinishedProblem } from '../modules/unfinished.js';
import type { AllowOptions, MigrationPlan } from '../plan/types.js';
import { loadProject, selectModules, type Project } from '../project/load-project.js';
import type { ProjectOptions } from './options.js';
import { lintModules, type LintReport } from './lint.js';

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
  /** `modkit lint` of the selected modules: errors among its findings fail validation (exit 4). */
  readonly lint: LintReport;
  /**
   * The database check: skipped with `--offline`; when a database does not answer, `unreachable`
   * holds why (the CLI exits 5: a gate whose database was never reached has not passed).
   */
  readonly online:
    | { readonly checked: true; readonly plan: MigrationPlan }
    | { readonly checked: false; readonly reason: string; readonly unreachable?: ModkitError };
}

/**
 * `modkit validate`: the graph, names and ids (loading the project checks those and throws a
 * UsageError listing them), then every migration file's content and its lint (`modkit lint`),
 * then (unless `offline`) drift, missing, dirty and out-of-order in the database; a database that
 * does not answer is reported in `online`, with the file checks. Changes nothing.
 */
export async function validate(options: ValidateOptions = {}): Promise<ValidateReport> {
  // Unfinished migrations are file problems like the others, reported with them.
  const offline = options.offline ? { needsDatabase: false } : {};
  const project = await loadProject({ ...options, allowUnfinished: true, ...offline });
  const modules = selectModules(project, options.modules);
  const fileProblems: string[] = modules.flatMap((m) => (m.unfinished ?? []).map(unfinishedProblem));
  const markerWarnings: string[] = [];
  for (const module of modules) {
    for (const migration of module.migrations) {
      const checked = await checkMigration(migration);
      fileProblems.push(...checked.problems);
      markerWarnings.push(...checked.markers);
    }
  }
  const databases = groupByDatabase(
    project.config,
    modules.map((m) => m.name),
  );
  const lint = await lintModules(project, modules);
  const files = { project, databases, fileProblems, markerWarnings, lint };
  if (options.offline) return { ...files, online: { checked: false, reason: '--offline' } };
  try {
    const { plan } = await inspectDatabases(project.config, modules, options.allow);
    return { ...files, online: { checked: true, plan } };
  } catch (error) {
    if (error instanceof ModkitError && error.kind === 'unreachable') {
      return { ...files, online: { checked: false, reason: error.message, unreachable: error } };
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
  // An up that holds only comments is unfinished, reported above. Downs are read only here and
  // when they run; markers are looked for in both.
  const problems: string[] = [];
  const markers: string[] = [];
  const up = migration.inline
    ? typeof migration.inline.up === 'string'
      ? migration.inline.up
      : undefined
    : await readFile(migration.file!, 'utf8');
  const down = migration.inline
    ? migration.inline.down
    : migration.downFile
      ? await readFile(migration.downFile, 'utf8')
      : undefined;
  const downText = typeof down === 'string' ? down : undefined;
  if (downText !== undefined && !hasSqlStatement(Buffer.from(downText))) {
    problems.push(
      `${name}: ${migration.downFile ?? 'its inline down'} holds no SQL statement (only comments or blanks): write the SQL that undoes the up, or a rollback would run nothing and forget the migration`,
    );
  }
  for (const [where, sql] of [
    [migration.file ?? 'its inline up', up],
    [migration.downFile ?? 'its inline down', downText],
  ] as const) {
    for (const unknown of sql === undefined ? [] : readDirectives(sql).unknown) {
      markers.push(
        `${where}:${unknown.line}: "${unknown.text}" looks like an instruction to a migration tool, but modkit does not act on it (see docs/project.md, "Files other tools wrote")`,
      );
    }
  }
  return { problems, markers };
}
