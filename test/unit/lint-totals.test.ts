/** Outputs that list warnings end with their counts (issue 23 item 14): the lines, from events. */
import { describe, expect, it } from 'vitest';
import { lifecycleReporter } from '../../src/cli/lifecycle-reporter.js';
import { warningTotals } from '../../src/cli/lint-lines.js';
import { Output } from '../../src/cli/output.js';
import type { LintEventFinding } from '../../src/execute/types.js';

const finding = (rule: string, severity: LintEventFinding['severity']): LintEventFinding => ({
  module: 'app',
  id: '0002_x',
  line: 1,
  rule,
  severity,
  message: 'm',
});

/** An Output whose stdout and stderr are arrays of lines. */
function capture(): { output: Output; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stream = (into: string[]) =>
    ({
      isTTY: false,
      write: (text: string) => into.push(...text.trimEnd().split('\n')),
    }) as unknown as NodeJS.WriteStream;
  return { output: new Output({}, stream(stdout), stream(stderr)), stdout, stderr };
}

describe('warning totals', () => {
  it('counts the lint by severity and rule, infos apart, and the other warnings', () => {
    const lint = [
      finding('table-rewrite', 'warn'),
      finding('table-rewrite', 'warn'),
      finding('index-not-concurrent', 'warn'),
      finding('not-analysed', 'info'),
    ];
    expect(warningTotals(lint, 2)).toBe(
      'Lint of the pending migrations: 3 warnings, 1 info (table-rewrite 2, index-not-concurrent 1, not-analysed 1); ' +
        'infos are only counted here, modkit lint shows them. 2 other warnings.',
    );
    expect(warningTotals([], 0)).toBeUndefined();
    expect(warningTotals([], 1)).toBe('1 warning.');
  });

  it('migrate without --only (the phase log) ends its db phase with the counts', () => {
    const { output, stdout, stderr } = capture();
    const reporter = lifecycleReporter(output);
    reporter.onEvent({ type: 'lint', findings: [finding('table-rewrite', 'warn')], refused: false });
    reporter.onEvent({
      type: 'warning',
      message: 'x.sql:1: "-- flyway:foo" looks like an instruction to a migration tool',
    });
    reporter.onLifecycleEvent({ type: 'phase', phase: 'db', status: 'end', durationMs: 5 });
    expect(stderr).toEqual([expect.stringContaining('[table-rewrite]'), expect.stringContaining('flyway')]);
    expect(stdout).toEqual([
      '[db] nothing to migrate (5 ms)',
      '[db] Lint of the pending migrations: 1 warning (table-rewrite 1). 1 other warning.',
    ]);
  });
});
