import { UsageError } from '../errors.js';

/**
 * The one module a command works on, given as its argument or as `--module M` (the same thing:
 * that module only, never what it depends on). Naming two is refused, with `why` saying why the
 * command takes one.
 */
export function oneModule(
  argument: string | undefined,
  flag: readonly string[] | undefined,
  why: string,
): string | undefined {
  const named = [...new Set([...(argument !== undefined ? [argument] : []), ...(flag ?? [])])];
  if (named.length > 1) throw new UsageError(`${named.map((m) => `"${m}"`).join(' and ')} are named, but ${why}`);
  return named[0];
}
