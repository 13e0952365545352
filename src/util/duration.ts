/**
 * The one duration syntax of modkit, for file markers (`-- modkit:lock-timeout 30s`) and every
 * duration flag (`--timeout 60s`, `--drain 5s`, `--lock-timeout 500ms`): a number with a unit
 * `ms`, `s`, `m` (or `min`) or `h`, or a plain number of milliseconds. Decimals are allowed
 * (`1.5s`); the result is rounded to whole milliseconds.
 *
 * @example
 * parseDuration('30s')   // → 30000
 * parseDuration('2m')    // → 120000
 * parseDuration('750')   // → 750
 * parseDuration('soon')  // → undefined
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(text.trim());
  if (!match) return undefined;
  const factor = UNITS[(match[2] ?? 'ms').toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000 };

/** What a duration may look like, for error messages. */
export const DURATION_FORMS = '60s, 500ms, 2m, 1h or a plain number of milliseconds';
