import type { LintFinding } from './lint-sql.js';
import type { RuleName } from '../config/lint-rules.js';

/** How many findings a lint made: by severity (ignored ones apart) and by rule. */
export interface LintCounts {
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
  /** Findings a `-- modkit:lint-ignore` comment silenced (not counted above). */
  readonly ignored: number;
  /** Findings not silenced, by rule, the most frequent first. */
  readonly byRule: Readonly<Partial<Record<RuleName, number>>>;
}

export function countFindings(findings: Iterable<Pick<LintFinding, 'rule' | 'severity' | 'ignored'>>): LintCounts {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  let ignored = 0;
  const byRule = new Map<RuleName, number>();
  for (const f of findings) {
    if (f.ignored) {
      ignored++;
      continue;
    }
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warn') warnings++;
    else infos++;
    byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  }
  const sorted = [...byRule].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { errors, warnings, infos, ignored, byRule: Object.fromEntries(sorted) };
}
