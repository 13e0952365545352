/**
 * The second half of linting a file: every rule on every prepared statement (./prepare-file.ts),
 * each judged against the schema as the statements before it left it, then the statement is
 * recorded in the schema model; then the severities and the file's ignore comments. Pure.
 */
import { prepareFile, type PreparedFile, type StatementSpan } from './prepare-file.js';
import type { PostgresParser } from './postgres-parser.js';
import type { RuleName, Severities } from '../config/lint-rules.js';
import { STATEMENT_RULES } from './rules/index.js';
import { recordStatement } from './schema/record-statement.js';
import { SchemaModel } from './schema/schema-model.js';

/** One finding: rule, severity, the line in the file, and a message that ends with the fix. */
export interface LintFinding {
  readonly rule: RuleName;
  readonly severity: 'error' | 'warn' | 'info';
  /** 1-based line in the file: the statement's first line (the comment's line for `lint-ignore`). */
  readonly line: number;
  readonly message: string;
  /** Present when a `-- modkit:lint-ignore` comment silenced this finding. */
  readonly ignored?: { readonly reason: string; readonly scope: 'statement' | 'file'; readonly line: number };
}

interface RawFinding {
  readonly rule: RuleName;
  readonly line: number;
  readonly message: string;
  readonly span?: StatementSpan;
}

/** Judges a prepared file against `model` (which it then carries past the file). */
export function judgeFile(file: PreparedFile, model: SchemaModel, severities: Severities): LintFinding[] {
  model.startFile();
  const raw: RawFinding[] = file.ignoreProblems.map((p) => ({ rule: 'lint-ignore', line: p.line, message: p.message }));
  if (file.syntax) {
    const { line, message } = file.syntax;
    raw.push({
      rule: 'syntax',
      line,
      message: `${message} (PostgreSQL's parser; nothing of this file can run): fix the statement at line ${line}`,
    });
  }
  for (const unit of file.syntax ? [] : file.units) {
    const where = (message: string) => (unit.within ? `${unit.within}: ${message}` : message);
    if ('note' in unit) {
      raw.push({ rule: 'not-analysed', line: unit.line, message: where(unit.note), span: unit.span });
      continue;
    }
    const context = { transactional: file.transactional, nested: unit.within !== undefined, schema: model };
    for (const rule of STATEMENT_RULES) {
      for (const hit of rule.check(unit.stmt, context))
        raw.push({ rule: hit.rule, line: unit.line, message: where(hit.message), span: unit.span });
    }
    if (unit.runs) recordStatement(model, unit.stmt);
  }
  return raw
    .flatMap((f): LintFinding[] => {
      const severity = severities[f.rule];
      if (severity === 'off') return [];
      const ignored = f.rule === 'lint-ignore' ? undefined : findIgnore(file, f);
      return [{ rule: f.rule, line: f.line, message: f.message, severity, ...(ignored ? { ignored } : {}) }];
    })
    .sort((a, b) => a.line - b.line);
}

export interface LintSqlOptions {
  /** False when the migration runs outside a transaction (no-transaction marker). */
  readonly transactional: boolean;
  readonly severities: Severities;
}

/** Lints one file on its own (no earlier migrations: every table it did not create is live). */
export function lintSql(sql: string, parser: PostgresParser, options: LintSqlOptions): LintFinding[] {
  return judgeFile(prepareFile(sql, options.transactional, parser), new SchemaModel('files'), options.severities);
}

/**
 * The ignore comment that silences `rule` here: one in the leading comments (before the first
 * statement) covers the file; any other covers the statement it stands above or inside.
 */
function findIgnore(file: PreparedFile, { rule, line, span }: RawFinding): LintFinding['ignored'] {
  // A file that does not parse has no statements: its leading comments end at the error.
  const firstStatementLine = file.firstStatementLine ?? line;
  for (const ignore of file.ignores) {
    if (!ignore.rules.includes(rule)) continue;
    if (ignore.line < firstStatementLine) return { reason: ignore.reason, scope: 'file', line: ignore.line };
    // Below the statement before this one, and above or inside this one.
    if (span && ignore.line > span.previousLast && ignore.line <= span.last)
      return { reason: ignore.reason, scope: 'statement', line: ignore.line };
  }
  return undefined;
}
