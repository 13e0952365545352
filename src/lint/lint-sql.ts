/**
 * Lints the text of one PostgreSQL migration: parses it with PostgreSQL's own parser, runs every
 * rule on every statement (knowing what the file did before it), and applies the severities and
 * the file's ignore comments. Pure apart from the parser, which the caller loads.
 */
import { FileState } from './file-state.js';
import { readIgnoreComments, type IgnoreComment } from './ignore-comments.js';
import type { PostgresParser } from './postgres-parser.js';
import type { RuleName, Severities } from './rule-table.js';
import { STATEMENT_RULES } from './rules/index.js';

/** One finding: rule, severity, the line in the file, and a message that ends with the fix. */
export interface LintFinding {
  readonly rule: RuleName;
  readonly severity: 'error' | 'warn';
  /** 1-based line in the file: the statement's first line (the comment's line for `lint-ignore`). */
  readonly line: number;
  readonly message: string;
  /** Present when a `-- modkit:lint-ignore` comment silenced this finding. */
  readonly ignored?: { readonly reason: string; readonly scope: 'statement' | 'file'; readonly line: number };
}

export interface LintSqlOptions {
  /** False when the migration runs outside a transaction (no-transaction marker). */
  readonly transactional: boolean;
  readonly severities: Severities;
}

export function lintSql(sql: string, parser: PostgresParser, options: LintSqlOptions): LintFinding[] {
  const lineOf = byteLineIndex(sql);
  const { ignores, problems } = readIgnoreComments(sql);
  const raw: { rule: RuleName; line: number; message: string; statement?: number }[] = [];
  /** First and last line of each statement, in order. */
  const ranges: { first: number; last: number }[] = [];
  const parsed = parser.parse(sql);
  if (!parsed.ok) {
    const line = parsed.line ?? 1;
    raw.push({ rule: 'syntax', line, message: `${parsed.message} (PostgreSQL's parser; nothing of this file can run): fix the statement at line ${line}` });
  } else {
    const state = new FileState(options.transactional);
    for (const { stmt, start, end } of parsed.statements) {
      const statement = ranges.push({ first: lineOf(start), last: lineOf(Math.max(start, end - 1)) }) - 1;
      for (const rule of STATEMENT_RULES) {
        for (const hit of rule.check(stmt, state)) raw.push({ ...hit, line: ranges[statement]!.first, statement });
      }
      state.record(stmt);
    }
  }
  const findings: LintFinding[] = problems.map((p) => ({ rule: 'lint-ignore', line: p.line, message: p.message, severity: 'warn' }));
  for (const f of raw) {
    const ignore = findIgnore(ignores, f, ranges);
    findings.push({ rule: f.rule, line: f.line, message: f.message, severity: 'warn', ...(ignore ? { ignored: ignore } : {}) });
  }
  return findings
    .flatMap((f): LintFinding[] => {
      const severity = options.severities[f.rule];
      return severity === 'off' ? [] : [{ ...f, severity }];
    })
    .sort((a, b) => a.line - b.line);
}

/**
 * The ignore comment that silences `rule` here: one in the leading comments (before the first
 * statement) covers the file; any other covers the statement it stands above or inside.
 */
function findIgnore(
  ignores: readonly IgnoreComment[],
  { rule, line, statement }: { rule: RuleName; line: number; statement?: number },
  ranges: readonly { first: number; last: number }[],
): LintFinding['ignored'] {
  // A file that does not parse has no statements: its leading comments end at the error.
  const firstStatementLine = ranges[0]?.first ?? line;
  for (const ignore of ignores) {
    if (!ignore.rules.includes(rule)) continue;
    if (ignore.line < firstStatementLine) return { reason: ignore.reason, scope: 'file', line: ignore.line };
    if (statement === undefined) continue;
    // Below the statement before this one, and above or inside this one.
    const previousEnd = ranges[statement - 1]?.last ?? 0;
    if (ignore.line > previousEnd && ignore.line <= ranges[statement]!.last) return { reason: ignore.reason, scope: 'statement', line: ignore.line };
  }
  return undefined;
}

/** Maps a byte offset of the UTF-8 text (the parser's positions) to its 1-based line. */
function byteLineIndex(sql: string): (offset: number) => number {
  const bytes = Buffer.from(sql);
  const starts = [0];
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
