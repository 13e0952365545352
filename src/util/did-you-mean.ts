/**
 * "Did you mean" suggestions for misspelled names (modules, dependencies, commands).
 * Pure: no fs, no I/O.
 */

/**
 * Optimal-string-alignment distance (Damerau–Levenshtein restricted so that no
 * substring is edited twice): insertions, deletions, substitutions and
 * transpositions of two adjacent characters each cost 1. A swapped pair
 * (`bilnig`) is the most common typo, hence transpositions cost 1, not 2.
 */
function osaDistance(a: string, b: string): number {
  // Three rolling rows: the transposition case looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, before[j - 2]! + 1);
      }
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `input`, or `undefined` when none is close enough.
 *
 * Comparison is case-insensitive. A candidate is accepted when its distance is at
 * most `max(1, floor(input.length / 3))`, so short names tolerate one typo and
 * longer names proportionally more, without suggesting unrelated words. Ties go to
 * the alphabetically first candidate so the suggestion is deterministic.
 *
 * @example
 * closestMatch('bilnig', ['billing', 'search']); // 'billing'
 * closestMatch('xyz', ['billing']);              // undefined
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    // Cheap bound: the distance is at least the length difference.
    if (Math.abs(other.length - needle.length) > limit) continue;
    const distance = osaDistance(needle, other);
    if (distance > limit) continue;
    if (distance < bestDistance || (distance === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * A suffix for an error message: ` (did you mean "x"?)`, or `''` when nothing is close.
 *
 * @example
 * `Unknown module "bilnig"${didYouMean('bilnig', ['billing'])}.`
 * // 'Unknown module "bilnig" (did you mean "billing"?).'
 */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}
