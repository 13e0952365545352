import type { LintCounts } from '../lint/lint-counts.js';
import { countFindings } from '../lint/lint-counts.js';
import type { LintReport } from '../lint/lint-migrations.js';
import type { LintFinding } from '../lint/lint-sql.js';
import type { LintEventFinding } from '../execute/types.js';
import { displayPath, plural } from './output.js';

/** Where a finding is, as printed: `path/to/file.sql:12`, or the module file for inline SQL. */
function location(m: LintReport['migrations'][number], line: number): string {
  return m.file
    ? `${displayPath(m.file)}:${line}`
    : `${m.moduleFile ? displayPath(m.moduleFile) : m.module} (inline ${m.id}):${line}`;
}

function severityLabel(f: LintFinding): string {
  return f.ignored ? 'ignored' : f.severity;
}

/**
 * The findings, grouped by module: a module line, then one line per finding
 * (`  0003_add_plan  modules/billing/migrations/0003_add_plan.sql:2  warn  index-not-concurrent  …`).
 * Ignored findings show their reason; `withIgnored: false` leaves them out (validate).
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

/**
 * `--format github`: one workflow command per finding not ignored (`::error file=…,line=…::…`),
 * which GitHub Actions shows on the pull request's lines.
 */
export function lintAnnotationLines(report: LintReport): string[] {
  const level = { error: 'error', warn: 'warning', info: 'notice' } as const;
  return report.migrations.flatMap((m) =>
    m.findings
      .filter((f) => !f.ignored)
      .map((f) => {
        const file = m.file ?? m.moduleFile;
        const where = [
          ...(file ? [`file=${escapeProperty(displayPath(file))}`] : []),
          `line=${f.line}`,
          `title=${escapeProperty(`modkit lint: ${f.rule}`)}`,
        ];
        return `::${level[f.severity]} ${where.join(',')}::${escapeData(`${m.module}/${m.id}: ${f.message}`)}`;
      }),
  );
}

/** GitHub's escaping of a workflow command's message, and of its properties. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One line per module whose migrations were not linted, and why. */
export function notLintedLines(report: LintReport): string[] {
  return report.notLinted.map((n) =>
    n.reason === 'script'
      ? `Not linted: ${plural(n.ids.length, 'script migration')} of module ${n.module} (${n.ids.join(', ')}): TS/JS ` +
        `migrations are only known when they run.`
      : `PostgreSQL rules only: ${plural(n.ids.length, 'migration')} of module ${n.module} (${n.engine}) not linted.`,
  );
}

/** `table-rewrite 2, index-not-concurrent 1`: the counts per rule, most frequent first. */
export function ruleCounts(counts: Pick<LintCounts, 'byRule'>): string {
  return Object.entries(counts.byRule)
    .map(([rule, n]) => `${rule} ${n}`)
    .join(', ');
}

/** `2 errors, 1 warning, 1 ignored in 12 migrations of 3 modules (table-rewrite 2, needs-no-transaction 1).` */
export function lintSummary(report: LintReport): string {
  const modules = new Set(report.migrations.map((m) => m.module)).size;
  const infos = report.infos > 0 ? `, ${plural(report.infos, 'info')}` : '';
  const ignored = report.ignored > 0 ? `, ${report.ignored} ignored` : '';
  const byRule = ruleCounts(report);
  return (
    `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}${infos}${ignored} in ` +
    `${plural(report.migrations.length, 'migration')} of ${plural(modules, 'module')}${byRule ? ` (${byRule})` : ''}.`
  );
}

/**
 * The line `migrate`, `rollback` and a fleet end with when they printed warnings: the lint's counts per rule
 * (infos are only counted: `modkit lint` shows them) and how many other warnings there were.
 */
export function warningTotals(lint: readonly LintEventFinding[], otherWarnings = 0): string | undefined {
  const counts = pendingLintCounts(lint);
  const kinds = [
    ...(counts.errors > 0 ? [plural(counts.errors, 'error')] : []),
    ...(counts.warnings > 0 ? [plural(counts.warnings, 'warning')] : []),
    ...(counts.infos > 0 ? [plural(counts.infos, 'info')] : []),
  ];
  const parts: string[] = [];
  if (kinds.length > 0) {
    const infos = counts.infos > 0 ? '; infos are only counted here, modkit lint shows them' : '';
    parts.push(`Lint of the pending migrations: ${kinds.join(', ')} (${ruleCounts(counts)})${infos}.`);
  }
  // "other" only beside the lint's counts: alone (rollback, a migrate with no lint finding) they are the warnings.
  if (otherWarnings > 0) parts.push(`${plural(otherWarnings, kinds.length > 0 ? 'other warning' : 'warning')}.`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** Every finding, flat, for `--json` documents. */
export function lintFindingsJson(report: LintReport): Record<string, unknown>[] {
  return report.migrations.flatMap((m) =>
    m.findings.map((f) => ({
      module: m.module,
      id: m.id,
      file: m.file ?? m.moduleFile ?? null,
      line: f.line,
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      ignored: f.ignored ?? null,
    })),
  );
}

/** The lint part of a `--json` document. */
export function lintJson(report: LintReport): Record<string, unknown> {
  const { errors, warnings, infos, ignored, byRule } = report;
  return {
    findings: lintFindingsJson(report),
    notLinted: report.notLinted,
    summary: { linted: report.migrations.length, errors, warnings, infos, ignored, byRule },
  };
}

/** The counts of the lint of the pending migrations, for `migrate --json`'s `lintSummary` and the totals line. */
export function pendingLintCounts(lint: readonly LintEventFinding[]): LintCounts {
  return countFindings(lint.map((f) => ({ ...f, rule: f.rule as LintFinding['rule'] })));
}
