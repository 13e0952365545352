import { lint } from '../../api/lint.js';
import { EXIT_CODES } from '../../errors.js';
import { projectOptions, type CommonFlags } from '../common-options.js';
import { lintFindingLines, lintJson, lintSummary, notLintedLines } from '../lint-lines.js';
import type { Output } from '../output.js';

/** `modkit lint [module…]`: the SQL of PostgreSQL modules, with PostgreSQL's own parser; no database. */
export async function lintCommand(flags: CommonFlags, output: Output, _signal: AbortSignal, args: readonly string[]): Promise<number> {
  // `--module M` is the argument under the name the other commands use: M alone, no dependencies.
  const { modules: _selection, ...options } = projectOptions(flags);
  const only = [...args, ...(flags.module ?? [])];
  const report = await lint({ ...options, ...(only.length > 0 ? { only } : {}) });
  for (const line of lintFindingLines(report)) output.line(line);
  for (const line of notLintedLines(report)) output.line(line);
  const notPostgres = report.notLinted.some((n) => n.reason === 'engine');
  if (notPostgres && report.project.config.database.source === 'default') {
    output.line('(No database is configured, so modules use the embedded SQLite: to lint them as PostgreSQL, give --url postgres://…; lint connects to nothing.)');
  }
  output.line(lintSummary(report));
  const exitCode = report.errors > 0 ? EXIT_CODES.validation : EXIT_CODES.ok;
  output.document('lint', exitCode, { modules: report.modules, ...lintJson(report) });
  return exitCode;
}
