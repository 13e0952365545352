/**
 * A count with its noun, for messages: `1 migration`, `3 migrations`.
 *
 * @example
 * plural(2, 'module') // → '2 modules'
 */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
