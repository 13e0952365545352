import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** An env file as read: its variables in file order, and the lines that could not be read. */
export interface EnvFile {
  readonly file: string;
  readonly values: ReadonlyMap<string, string>;
  /** Lines that are neither blank, a comment nor a readable `KEY=value` (their values are not used). */
  readonly malformed: readonly MalformedLine[];
}

/**
 * A line that could not be read as written. Its text is never kept: it may hold a password
 * (`DB URL=postgres://u:secret@h/db`), and nothing read from an env file is ever printed.
 */
export interface MalformedLine {
  /** 1-based. */
  readonly line: number;
  /** Why it cannot be read, in words that quote nothing of it. */
  readonly reason: string;
  /** What makes it readable. */
  readonly fix: string;
  /**
   * The names this line may be meant to set: its key when that is readable (an unclosed quote, a
   * UTF-16 file), else the words before its `=` (each, and joined by `_`: `DB URL` → `DB_URL`), or
   * every word of a line with no `=` (`MODKIT_DATABASE_URL postgres://…`). For matching only.
   */
  readonly names: readonly string[];
  /** The key as written, when it reads as a name (letters, digits, `_ . -`, spaces): to name the line. */
  readonly key?: string;
}

const UTF16 = {
  reason: 'the file is UTF-16 (as PowerShell\'s ">" and Out-File write it), which modkit, dotenv and Node do not read',
  fix: 'save it as UTF-8 (PowerShell: Out-File -Encoding utf8; an editor: "Save with Encoding")',
};
const NOT_UTF8 = {
  reason: 'it is not valid UTF-8 (saved in another encoding, such as Latin-1?)',
  fix: 'save the file as UTF-8',
};
const NOT_KEY_VALUE = {
  reason: 'it is not KEY=value',
  fix: 'write it as NAME=value (a name is letters, digits and _)',
};

/**
 * Reads a `.env` file the way dotenv and Node's `--env-file` do: `KEY=value` lines, an optional
 * `export ` before the key, `#` comments (whole lines, or after an unquoted value and a space),
 * values in '…' (taken literally), "…" (with \n, \r, \t, \" and \\ escapes, and spanning lines)
 * or `…`. A key given twice takes the later value. What cannot be read so is listed in
 * `malformed`, never guessed at. Throws a UsageError when the file cannot be read at all.
 */
export function readEnvFile(file: string): EnvFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (error as Error).message;
    throw new UsageError(`env file ${file} ${reason}`, { cause: error });
  }
  return { file, ...decodeEnv(bytes) };
}

/** Parses an env file's bytes: UTF-8 (a BOM is skipped); UTF-16 is recognised and refused line by line. */
export function decodeEnv(bytes: Uint8Array): { values: Map<string, string>; malformed: MalformedLine[] } {
  const utf16 = utf16Encoding(bytes);
  if (utf16) {
    // Decoded only to tell which variables the file meant to set: none of its values is used.
    const text = new TextDecoder(utf16).decode(bytes);
    const { values, malformed } = parseEnv(text);
    const lines = [...keyLines(text, values), ...malformed];
    return { values: new Map(), malformed: lines.map((m) => ({ ...m, ...UTF16 })).sort((a, b) => a.line - b.line) };
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  return parseEnv(text, linesNotUtf8(bytes));
}

/** A BOM, or NUL bytes in every other position of an ASCII text without one, says UTF-16. */
function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes.length >= 4 && bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0) return 'utf-16le';
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[2] === 0 && bytes[1] !== 0) return 'utf-16be';
  return undefined;
}

/** The 1-based numbers of lines whose bytes are not valid UTF-8. */
function linesNotUtf8(bytes: Uint8Array): Set<number> {
  const bad = new Set<number>();
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    strict.decode(bytes);
    return bad;
  } catch {
    // Find the lines: rare, so the second pass may be slow.
  }
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    try {
      strict.decode(bytes.subarray(start, end));
    } catch {
      bad.add(line);
    }
    start = end + 1;
  }
  return bad;
}

/** The line of each key of a (UTF-16) file, as malformed lines naming it. */
function keyLines(text: string, values: ReadonlyMap<string, string>): MalformedLine[] {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const found: MalformedLine[] = [];
  for (const [i, line] of lines.entries()) {
    const key = KEY.exec(line)?.[1];
    if (key !== undefined && values.has(key)) found.push({ line: i + 1, ...UTF16, names: [key], key });
  }
  return found;
}

const KEY = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/;

/** Parses env-file text; `notUtf8` lines (1-based) are malformed whatever they hold. */
export function parseEnv(
  text: string,
  notUtf8: ReadonlySet<number> = new Set(),
): { values: Map<string, string>; malformed: MalformedLine[] } {
  const values = new Map<string, string>();
  const malformed: MalformedLine[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const key = KEY.exec(line);
    if (!key) {
      malformed.push({ line: i + 1, ...(notUtf8.has(i + 1) ? NOT_UTF8 : NOT_KEY_VALUE), ...guessNames(line) });
      continue;
    }
    const name = key[1]!;
    let rest = line.slice(key[0].length);
    let last = i;
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      // A quoted value may span lines: read on until its closing quote.
      let body = rest.slice(1);
      let end = closingQuote(body, quote);
      while (end === -1 && last + 1 < lines.length) {
        last += 1;
        body += `\n${lines[last]}`;
        end = closingQuote(body, quote);
      }
      if (end === -1) {
        // The lines after it are read on their own, as if this one were not there.
        const reason = `its opening ${quote} is never closed`;
        malformed.push({ line: i + 1, reason, fix: 'close the quote', names: [name], key: name });
        continue;
      }
      rest = body.slice(0, end);
    }
    const bad = [...Array(last - i + 1).keys()].some((k) => notUtf8.has(i + 1 + k));
    if (bad) malformed.push({ line: i + 1, ...NOT_UTF8, names: [name], key: name });
    else if (quote === '"') values.set(name, unescapeDoubleQuoted(rest));
    else if (quote === "'" || quote === '`') values.set(name, rest);
    else values.set(name, rest.replace(/\s+#.*$/, '').trim());
    i = last;
  }
  return { values, malformed };
}

/** What a line that is not `KEY=value` may be meant to set (see {@link MalformedLine.names}). */
function guessNames(line: string): { names: string[]; key?: string } {
  const at = line.indexOf('=');
  const head = at === -1 ? line : line.slice(0, at);
  const words = head.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  const names = at === -1 || words.length < 2 ? words : [...words, words.join('_')];
  const key = head.trim().replace(/^(?:export|set|setx)\s+|^\$env:/i, '');
  return at !== -1 && /^[A-Za-z_][A-Za-z0-9_ .-]{0,63}$/.test(key) ? { names, key } : { names };
}

function closingQuote(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && quote === '"') i += 1;
    else if (body[i] === quote) return i;
  }
  return -1;
}

function unescapeDoubleQuoted(value: string): string {
  return value.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}
