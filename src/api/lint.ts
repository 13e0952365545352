import { databaseOf } from '../config/module-databases.js';
import { selectWithDependencies } from '../graph/module-graph.js';
import { lintMigrations, type LintReport } from '../lint/lint-migrations.js';
import type { LoadedModule } from '../modules/types.js';
import { loadProject, selectModules, type Project } from '../project/load-project.js';
import type { ProjectOptions } from './options.js';

export type { LintReport, LintedMigration, NotLinted } from '../lint/lint-migrations.js';
export type { LintFinding } from '../lint/lint-sql.js';
export { RULES as LINT_RULES, type RuleName as LintRuleName, type Severity as LintSeverity } from '../lint/rule-table.js';

export interface LintOptions extends ProjectOptions {
  /** Lint exactly these modules (`modkit lint billing`), not what they depend on. Default: all of `modules`' selection. */
  readonly only?: readonly string[];
}

export interface LintProjectReport extends LintReport {
  readonly project: Project;
  /** The modules linted, in system-first order. */
  readonly modules: readonly string[];
}

/**
 * `modkit lint`: checks the SQL migrations of PostgreSQL modules with PostgreSQL's own parser and
 * the rules of README "Safe deploys", with the severities of the config's `lint.rules`. Needs no
 * database: a module's engine is read from its URL. Changes nothing.
 *
 * @example
 * ```ts
 * import { lint } from 'modkit';
 * const report = await lint({ configPath: 'modkit.config.ts' });
 * for (const m of report.migrations) for (const f of m.findings) console.log(m.module, m.id, f.line, f.rule, f.message);
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
  return { project, modules: modules.map((m) => m.name), ...(await lintModules(project, modules)) };
}

/** Lints every migration of `modules` (unfinished stubs hold nothing to lint). */
export function lintModules(project: Project, modules: readonly LoadedModule[]): Promise<LintReport> {
  const inputs = modules.map((m) => ({ module: m.name, moduleFile: m.file, engine: databaseOf(project.config, m.name).engine, migrations: m.migrations }));
  return lintMigrations(inputs, project.config.lint.severities);
}
