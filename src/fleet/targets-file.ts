import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** One target as listed, before it is expanded and checked. */
export interface ListedTarget {
  readonly url: string;
  readonly schema?: string;
  /** Where it was listed, for messages: `targets.txt:12`, `config targets[3]`. */
  readonly origin: string;
}

const SCHEMA_WORD = /^schema=(.+)$/;

/**
 * Parses a targets file: one target a line, `URL` or `URL schema=NAME`, words separated by blanks;
 * `#` starts a comment (a whole line, or after a blank), blank lines are skipped. URLs hold no
 * blanks (percent-encode them), so nothing else is ambiguous. `name` labels each target's origin.
 *
 * @example
 * parseTargetsText('# tenants\npostgres://app@db/saas schema=tenant_1\nsqlite:./t2.db\n', 'targets.txt')
 * // [{ url: 'postgres://app@db/saas', schema: 'tenant_1', origin: 'targets.txt:2' },
 * //  { url: 'sqlite:./t2.db', origin: 'targets.txt:3' }]
 */
export function parseTargetsText(text: string, name: string): ListedTarget[] {
  const targets: ListedTarget[] = [];
  const problems: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const origin = `${name}:${i + 1}`;
    const words: string[] = [];
    for (const word of raw.trim().split(/\s+/)) {
      if (word === '') continue;
      if (word.startsWith('#')) break;
      words.push(word);
    }
    if (words.length === 0) continue;
    const [url, ...rest] = words as [string, ...string[]];
    let schema: string | undefined;
    for (const word of rest) {
      const match = SCHEMA_WORD.exec(word);
      if (match && schema === undefined) schema = match[1]!;
      // Never echo the word: a password with a blank in it would be split into words.
      else
        problems.push(
          `${origin}: a line is a URL, optionally followed by schema=NAME (and a # comment); this line has more words than that`,
        );
    }
    targets.push({ url, ...(schema !== undefined ? { schema } : {}), origin });
  }
  if (problems.length > 0) throw new UsageError(problems);
  return targets;
}

/** Reads and parses a targets file (`-` is the caller's stdin, read by the CLI). */
export async function readTargetsFile(path: string): Promise<ListedTarget[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8'); // one small file: not worth loading fs/promises for every run
  } catch (error) {
    throw new UsageError(`cannot read the targets file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseTargetsText(text, path);
}
