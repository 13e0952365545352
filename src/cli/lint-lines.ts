import type { LintReport } from '../lint/lint-migrations.js';
import type { LintFinding } from '../lint/lint-sql.js';
import { displayPath, plural } from './output.js';

/** Where a finding is, as printed: `path/to/file.sql:12`, or the module file for inline SQL. */
function location(m: LintReport['migrations'][number], line: number): string {
  return m.file ? `${displayPath(m.file)}:${line}` : `${m.moduleFile ? displayPath(m.moduleFile) : m.module} (inline ${m.id}):${line}`;
}

function severityLabel(f: LintFinding): string {
  return f.ignored ? 'ignored' : f.severity;
}

/**
 * The findings, grouped by module: a module line, then one line per finding
 * (`  0003_add_plan  modules/billing/migrations/0003_add_plan.sql:2  warn  index-not-concurrent  …`).
 * Ignored findings show their reason; `withIgnored: false` leaves them out (migrate).
 */
export function lintFindingLines(report: LintReport, { withIgnored = true }: { withIgnored?: boolean } = {}): string[] {
  const lines: string[] = [];
  let module: string | undefined;
  for (const m of report.migrations) {
    const shown = m.findings.filter((f) => withIgnored || !f.ignored);
    if (shown.length === 0) continue;
    if (m.module !== module) lines.push((module = m.module));
    for (const f of shown) {
      const why = f.ignored ? `  (ignored at line ${f.ignored.line}: ${f.ignored.reason})` : '';
      lines.push(`  ${m.id}  ${location(m, f.line)}  ${severityLabel(f)}  ${f.rule}  ${f.message}${why}`);
    }
  }
  return lines;
}

/** One line per module whose migrations were not linted, and why. */
export function notLintedLines(report: LintReport): string[] {
  return report.notLinted.map((n) =>
    n.reason === 'script'
      ? `Not linted: ${plural(n.ids.length, 'script migration')} of module ${n.module} (${n.ids.join(', ')}): TS/JS migrations are only known when they run.`
      : `PostgreSQL rules only: ${plural(n.ids.length, 'migration')} of module ${n.module} (${n.engine}) not linted.`,
  );
}

/** `2 errors, 1 warning, 1 ignored in 12 migrations of 3 modules.` */
export function lintSummary(report: LintReport): string {
  const modules = new Set(report.migrations.map((m) => m.module)).size;
  const ignored = report.ignored > 0 ? `, ${report.ignored} ignored` : '';
  return `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}${ignored} in ${plural(report.migrations.length, 'migration')} of ${plural(modules, 'module')}.`;
}

/** Every finding, flat, for `--json` documents. */
export function lintFindingsJson(report: LintReport): Record<string, unknown>[] {
  return report.migrations.flatMap((m) =>
    m.findings.map((f) => ({ module: m.module, id: m.id, file: m.file ?? m.moduleFile ?? null, line: f.line, rule: f.rule, severity: f.severity, message: f.message, ignored: f.ignored ?? null })),
  );
}

/** The lint part of a `--json` document. */
export function lintJson(report: LintReport): Record<string, unknown> {
  return {
    findings: lintFindingsJson(report),
    notLinted: report.notLinted,
    summary: { linted: report.migrations.length, errors: report.errors, warnings: report.warnings, ignored: report.ignored },
  };
}
