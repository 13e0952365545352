import { lint } from '../../api/lint.js';
import { EMBEDDED, engineName, type Engine } from '../../engines/engine-table.js';
import { EXIT_CODES } from '../../errors.js';
import { projectOptions, type CommonFlags } from '../common-options.js';
import { lintAnnotationLines, lintFindingLines, lintJson, lintSummary, notLintedLines } from '../lint-lines.js';
import type { Output } from '../output.js';

export interface LintFlags extends CommonFlags {
  /** `text` (default), `json` (as --json), or `github` (workflow-command annotations). */
  readonly format?: 'text' | 'json' | 'github';
  readonly since?: string;
  readonly engine?: Engine;
}

/** `modkit lint [module…]`: the SQL of PostgreSQL modules, with PostgreSQL's own parser; no database. */
export async function lintCommand(
  flags: LintFlags,
  output: Output,
  _signal: AbortSignal,
  args: readonly string[],
): Promise<number> {
  // `--module M` is the argument under the name the other commands use: M alone, no dependencies.
  const { modules: _selection, ...options } = projectOptions(flags);
  const only = [...args, ...(flags.module ?? [])];
  const report = await lint({
    ...options,
    ...(only.length > 0 ? { only } : {}),
    ...(flags.since !== undefined ? { since: flags.since } : {}),
    ...(flags.engine ? { engine: flags.engine } : {}),
  });
  const findings = flags.format === 'github' ? lintAnnotationLines(report) : lintFindingLines(report);
  for (const line of findings) output.line(line);
  for (const line of notLintedLines(report)) output.line(line);
  const notPostgres = report.notLinted.some((n) => n.reason === 'engine');
  if (notPostgres && report.project.config.database.source === 'default') {
    output.line(
      `(No database is configured, so modules use the embedded ${engineName(EMBEDDED.engine)}: ` +
        'to lint them as PostgreSQL, give --engine postgres (or --url postgres://…); lint connects to nothing.)',
    );
  }
  if (report.since)
    output.line(
      `Since ${report.since.ref}: ${report.since.unchanged} unchanged ` +
        `migration${report.since.unchanged === 1 ? '' : 's'} read for the schema, not reported.`,
    );
  output.line(lintSummary(report));
  const exitCode = report.errors > 0 ? EXIT_CODES.validation : EXIT_CODES.ok;
  output.document('lint', exitCode, {
    modules: report.modules,
    ...lintJson(report),
    ...(report.since ? { since: report.since } : {}),
  });
  return exitCode;
}
