/**
 * The fleet reporter builds a target's JSON entry only under --json: a fleet of thousands of
 * targets reports as many, and without --json nothing reads them. The human lines are the same.
 */
import { describe, expect, it } from 'vitest';
import { fleetReporter } from '../../src/cli/fleet-reporter.js';
import { Output } from '../../src/cli/output.js';
import type { TargetOutcome } from '../../src/fleet/run-fleet.js';

function capture(json: boolean): { output: Output; stdout: string[] } {
  const stdout: string[] = [];
  const stream = { isTTY: false, write: (text: string) => stdout.push(text) } as unknown as NodeJS.WriteStream;
  const sink = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  return { output: new Output({ json }, stream, sink), stdout };
}

const outcome: TargetOutcome<{ applied: number }> = {
  label: 'postgres://app@db/saas schema=tenant_1',
  origin: 'targets.txt:1',
  schema: 'tenant_1',
  index: 0,
  canary: false,
  result: 'ok',
  exitCode: 0,
  durationMs: 12,
  detail: { applied: 2 },
};

describe('fleet reporter', () => {
  it.each([false, true])('builds the JSON entry of a target only under --json (json: %s)', (json) => {
    const { output, stdout } = capture(json);
    let built = 0;
    const reporter = fleetReporter<{ applied: number }>(
      output,
      'migrate',
      (d) => `${d.applied} applied`,
      (d) => {
        built += 1;
        return { applied: d.applied };
      },
    );
    reporter.start(1);
    reporter.onTarget(outcome);
    expect(built).toBe(json ? 1 : 0);
    const text = stdout.join('');
    if (json) expect(text).toContain('"applied": 2');
    else expect(text).toContain('ok      postgres://app@db/saas schema=tenant_1: 2 applied');
  });
});
