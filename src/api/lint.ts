import { realpath } from 'node:fs/promises';
import { databaseKey } from '../config/database-key.js';
import { databaseOf } from '../config/module-databases.js';
import { engineName, type Engine } from '../engines/engine-table.js';
import { UsageError } from '../errors.js';
import { selectWithDependencies } from '../graph/module-graph.js';
import { lintMigrations, type LintReport } from '../lint/lint-migrations.js';
import type { LoadedModule, Migration } from '../modules/types.js';
import { loadProject, selectModules, type Project } from '../project/load-project.js';
import { filesChangedSince } from './lint-since.js';
import type { ProjectOptions } from './options.js';

export type { LintReport, LintedMigration, NotLinted } from '../lint/lint-migrations.js';
export type { LintFinding } from '../lint/lint-sql.js';
export type { LintCounts } from '../lint/lint-counts.js';
export {
  RULES as LINT_RULES,
  type RuleName as LintRuleName,
  type Severity as LintSeverity,
} from '../config/lint-rules.js';

export interface LintOptions extends ProjectOptions {
  /**
   * Lint exactly these modules (`modkit lint billing`), not what they depend on. Default: all of
   * `modules`' selection.
   */
  readonly only?: readonly string[];
  /**
   * Report only migration files added or changed since this git ref (`lint --since origin/main`):
   * a pull request's own files. The files before them are still read, for the schema model.
   */
  readonly since?: string;
  /**
   * The engine of the modules whose database no URL names (`lint --engine postgres` in a CI job
   * that has no database URL). A URL still names its own engine; one that names another is exit 2.
   */
  readonly engine?: Engine;
}

export interface LintProjectReport extends LintReport {
  readonly project: Project;
  /** The modules linted, in system-first order. */
  readonly modules: readonly string[];
  /** With `since`: the ref, and how many linted files were left out as unchanged. */
  readonly since?: { readonly ref: string; readonly unchanged: number };
}

/**
 * `modkit lint`: checks the SQL migrations of PostgreSQL modules with PostgreSQL's own parser and
 * the rules of docs/lint.md, with the severities of the config's `lint.rules`. Each file is judged
 * as the next deploy meets it: the tables earlier migrations created are live, their columns have
 * the types those migrations gave them. Needs no database: a module's engine is read from its URL
 * (or `engine`). Changes nothing.
 *
 * @example
 * ```ts
 * import { lint } from 'modkit';
 * const report = await lint({ configPath: 'modkit.config.ts', since: 'origin/main' });
 * for (const m of report.migrations) {
 *   for (const f of m.findings) console.log(m.module, m.id, f.line, f.rule, f.message);
 * }
 * if (report.errors > 0) process.exitCode = 4;
 * ```
 */
export async function lint(options: LintOptions = {}): Promise<LintProjectReport> {
  const project = await loadProject({ ...options, allowUnfinished: true, needsDatabase: false });
  let modules = selectModules(project, options.modules);
  if (options.only && options.only.length > 0) {
    selectWithDependencies(project.nodes, options.only); // unknown names: exit 2 with a did-you-mean
    const only = new Set(options.only);
    modules = modules.filter((m) => only.has(m.name));
  }
  const engineOf = engineRule(project, options.engine);
  if (options.since === undefined)
    return { project, modules: modules.map((m) => m.name), ...(await lintModules(project, modules, engineOf)) };
  const changed = await filesChangedSince(options.since, project.config.rootDir);
  const reported = new Set<Migration>();
  for (const m of modules.flatMap((module) => module.migrations)) {
    if (m.file !== undefined && changed.has(await realpath(m.file).catch(() => m.file!))) reported.add(m);
  }
  let unchanged = 0;
  const report = await lintModules(project, modules, engineOf, (m) => reported.has(m) || (unchanged++, false));
  return { project, modules: modules.map((m) => m.name), ...report, since: { ref: options.since, unchanged } };
}

/**
 * Lints every migration of `modules` (unfinished stubs hold nothing to lint); `reported` keeps the
 * findings of some migrations only (the others still feed the schema model).
 */
export function lintModules(
  project: Project,
  modules: readonly LoadedModule[],
  engineOf = engineRule(project),
  reported?: (m: Migration) => boolean,
): Promise<LintReport> {
  const inputs = modules.map((m) => {
    const target = databaseOf(project.config, m.name);
    return {
      module: m.name,
      moduleFile: m.file,
      engine: engineOf(target.source, target.engine),
      migrations: m.migrations,
      database: databaseKey(target),
    };
  });
  return lintMigrations(inputs, project.config.lint.severities, { scope: 'files', ...(reported ? { reported } : {}) });
}

/** The engine a module's migrations are linted as: its URL's, or `engine` where no URL names one. */
function engineRule(project: Project, engine?: Engine): (source: string, urlEngine: Engine) => Engine {
  const database = project.config.database;
  if (engine && database.source !== 'default' && database.engine !== engine) {
    throw new UsageError(
      `--engine ${engine}: the database URL (from the ${database.source}) names ${engineName(database.engine)}, ` +
        `and a URL names its own engine: ` +
        'drop --engine, or the URL',
    );
  }
  return (source, urlEngine) => (engine && source === 'default' ? engine : urlEngine);
}
