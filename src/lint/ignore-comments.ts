/**
 * `-- modkit:lint-ignore <rule>[,<rule>…] <reason>`: silences a rule for the statement below the
 * comment, or for the whole file when the comment stands in the file's leading comments (before
 * the first statement). The reason is required: it is what a reviewer reads in `--json`.
 */
import { didYouMean } from '../util/did-you-mean.js';
import { isRuleName, RULE_NAMES, type RuleName } from '../config/lint-rules.js';

const IGNORE = /^--\s*modkit\s*:\s*lint-ignore\b(.*)$/i;

export interface IgnoreComment {
  /** 1-based line of the comment. */
  readonly line: number;
  readonly rules: readonly RuleName[];
  readonly reason: string;
}

export interface IgnoreProblem {
  readonly line: number;
  readonly message: string;
}

/** The ignore comments of a SQL text, and those that cannot silence anything (with why). */
export function readIgnoreComments(sql: string): { ignores: IgnoreComment[]; problems: IgnoreProblem[] } {
  const ignores: IgnoreComment[] = [];
  const problems: IgnoreProblem[] = [];
  if (!/lint-ignore/i.test(sql)) return { ignores, problems }; // most files: no line splitting
  const lines = sql.split('\n');
  for (const [index, raw] of lines.entries()) {
    const match = IGNORE.exec(raw.trim());
    if (!match) continue;
    const line = index + 1;
    const [list = '', ...words] = match[1]!.trim().split(/\s+/);
    const names = list.split(',').filter((n) => n !== '');
    const unknown = names.filter((n) => !isRuleName(n));
    const reason = words.join(' ');
    if (names.length === 0) {
      problems.push({
        line,
        message:
          `"${raw.trim()}" names no rule: write -- modkit:lint-ignore <rule> <reason> (rules: ` +
          `${RULE_NAMES.join(', ')})`,
      });
    } else if (unknown.length > 0) {
      problems.push({
        line,
        message:
          unknown.map((n) => `"${n}" is not a lint rule${didYouMean(n, RULE_NAMES)}`).join('; ') +
          ': this comment silences nothing',
      });
    } else if (reason === '') {
      problems.push({
        line,
        message:
          `-- modkit:lint-ignore ${list} gives no reason, so it silences nothing: say why, e.g. -- ` +
          `modkit:lint-ignore ${list} the table is empty in production`,
      });
    } else {
      ignores.push({ line, rules: names as RuleName[], reason });
    }
  }
  return { ignores, problems };
}
