import type { FleetSummary, TargetOutcome } from '../fleet/run-fleet.js';
import { errorJson, formatMs, type Output, plural } from './output.js';

/**
 * Reports a fleet as it runs: one line per target as it finishes (its redacted URL and schema,
 * what it did, its duration, its exit code when it failed) and its error paragraph on stderr; a
 * progress line on a TTY; under --json one entry per target, written as it finishes (nothing per
 * target is held); then the summary.
 */
export function fleetReporter<D>(
  output: Output,
  command: string,
  describe: (detail: D) => string,
  toJson: (detail: D) => Record<string, unknown>,
  /** What a failed target did before it failed, when worth saying (`2 migrations applied before it`). */
  partial: (detail: D) => string | undefined = () => undefined,
) {
  // Opened at the first target, not before: a failure before any target ran (pre_init, a
  // refusal) is then reported by the entry point as the usual one-document error.
  let stream: ReturnType<Output['documentStream']> | null = null;
  const json = {
    // The entry is built only under --json: a fleet of thousands reports as many targets.
    item: (entry: () => unknown) => {
      stream ??= output.documentStream(command, 'targets');
      stream?.item(entry());
    },
    end: (exitCode: number, body: Record<string, unknown>) =>
      (stream ??= output.documentStream(command, 'targets'))?.end(exitCode, body),
  };
  let done = 0;
  let failed = 0;
  let total = 0;
  return {
    start(targets: number): void {
      total = targets;
      output.progress(`[0/${total}] targets`);
    },
    onTarget(outcome: TargetOutcome<D>): void {
      json.item(() => ({
        target: outcome.label,
        ...(outcome.schema ? { schema: outcome.schema } : {}),
        origin: outcome.origin,
        result: outcome.result,
        exitCode: outcome.exitCode,
        durationMs: outcome.durationMs,
        ...(outcome.canary ? { canary: true } : {}),
        ...(outcome.skipped ? { skipped: outcome.skipped } : {}),
        ...(outcome.detail !== undefined ? toJson(outcome.detail) : {}),
        error: outcome.error ? errorJson(outcome.error) : null,
      }));
      if (outcome.result === 'skipped') return; // counted in the summary, not a line each
      done += 1;
      output.clearProgress();
      if (outcome.result === 'ok') {
        output.line(
          `ok      ${outcome.label}: ${outcome.detail !== undefined ? describe(outcome.detail) : 'done'} (${formatMs(outcome.durationMs)})`,
        );
      } else {
        failed += 1;
        const before = outcome.detail !== undefined ? partial(outcome.detail) : undefined;
        output.line(
          `FAILED  ${outcome.label}: exit ${outcome.exitCode}, ${outcome.error?.kind ?? 'failed'}${before ? `, ${before}` : ''} (${formatMs(outcome.durationMs)})`,
        );
        output.error(new Error(`${outcome.label} (${outcome.origin}): ${outcome.error?.message ?? 'failed'}`));
      }
      output.progress(`[${done}/${total}] targets done${failed > 0 ? `, ${failed} failed` : ''}`);
    },
    finish(
      summary: FleetSummary,
      extra: { readonly text?: string; readonly json?: Record<string, unknown> } = {},
    ): void {
      output.clearProgress();
      const codes = Object.entries(summary.exitCodes)
        .map(([code, n]) => `exit ${code}: ${n}`)
        .join(', ');
      const skipped =
        summary.skipped > 0
          ? `, ${summary.skipped} not attempted (${SKIP_WHY[summary.stoppedBy ?? 'interrupted']})`
          : '';
      const shard = summary.shard ? ` (shard ${summary.shard.index}/${summary.shard.count} of ${summary.listed})` : '';
      output.line(
        `Fleet: ${plural(summary.targets, 'target')}${shard}: ${summary.ok} ok, ${summary.failed} failed${codes ? ` (${codes})` : ''}${skipped}` +
          `${extra.text ? `; ${extra.text}` : ''} (${formatMs(summary.durationMs)}, --parallel ${summary.parallel}); exit ${summary.exitCode}`,
      );
      json.end(summary.exitCode, { summary: { ...summary, ...extra.json } });
    },
  };
}

const SKIP_WHY = {
  'fail-fast': '--fail-fast after a failure',
  canary: 'a canary failed',
  interrupted: 'interrupted',
} as const;
