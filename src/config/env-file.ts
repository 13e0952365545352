import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** An env file as read: its variables in file order, and the lines that are not `KEY=value`. */
export interface EnvFile {
  readonly file: string;
  readonly values: ReadonlyMap<string, string>;
  /** `line N: …` for each line that is neither blank, a comment nor `KEY=value` (ignored). */
  readonly ignored: readonly string[];
}

/**
 * Reads a `.env` file the way dotenv and Node's `--env-file` do: `KEY=value` lines, an optional
 * `export ` before the key, `#` comments (whole lines, or after an unquoted value and a space),
 * values in '…' (taken literally), "…" (with \n, \r, \t, \" and \\ escapes, and spanning lines)
 * or `…`. A key given twice takes the later value. Throws a UsageError when the file cannot be read.
 */
export function readEnvFile(file: string): EnvFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (error as Error).message;
    throw new UsageError(`env file ${file} ${reason}`, { cause: error });
  }
  return { file, ...parseEnv(text) };
}

const KEY = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/;

export function parseEnv(text: string): { values: Map<string, string>; ignored: string[] } {
  const values = new Map<string, string>();
  const ignored: string[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const key = KEY.exec(line);
    if (!key) {
      ignored.push(`line ${i + 1}: ${line.trim().slice(0, 40)}`);
      continue;
    }
    let rest = line.slice(key[0].length);
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      // A quoted value may span lines: read on until its closing quote.
      let body = rest.slice(1);
      let end = closingQuote(body, quote);
      while (end === -1 && i + 1 < lines.length) {
        i += 1;
        body += `\n${lines[i]}`;
        end = closingQuote(body, quote);
      }
      if (end === -1) {
        ignored.push(`line ${i + 1}: ${key[1]}: no closing ${quote}`);
        continue;
      }
      rest = body.slice(0, end);
      values.set(key[1]!, quote === '"' ? unescape(rest) : rest);
    } else {
      values.set(key[1]!, rest.replace(/\s+#.*$/, '').trim());
    }
  }
  return { values, ignored };
}

function closingQuote(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && quote === '"') i += 1;
    else if (body[i] === quote) return i;
  }
  return -1;
}

function unescape(value: string): string {
  return value.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}
