import { UsageError } from '../errors.js';

/**
 * The glob syntax of `modules` in the config, compiled once per pattern: what users know from
 * fast-glob, micromatch and bash. Per path segment: `*`, `?`, `[abc]` / `[a-z]` / `[!a]`, braces
 * `{a,b}` and ranges `{1..3}`, extglobs `@(a|b)`, `?(a|b)`, `+(a|b)`, `*(a|b)`, `!(a|b)`, and `\`
 * to escape; `**` as a whole segment for any depth. Anything else that looks like syntax (a lone
 * `(`, `|`, an unclosed `[` or `{`, POSIX classes) is refused with a clear error, never taken
 * literally: a glob that silently matches nothing is worse than an error.
 */
export type Segment =
  | { readonly kind: 'any-depth' }
  | { readonly kind: 'literal'; readonly name: string }
  | { readonly kind: 'pattern'; readonly regex: RegExp; readonly dot: boolean };

/** One pattern (braces across segments already expanded) as its segments. */
export function compileGlob(pattern: string, original = pattern): Segment[] {
  return pattern
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .map((segment): Segment => {
      if (segment === '**') return { kind: 'any-depth' };
      if (!/[*?[\]{}()|\\]/.test(segment)) return { kind: 'literal', name: segment };
      const source = compileSegment(segment, original, true);
      return { kind: 'pattern', regex: new RegExp(`^${source}$`), dot: segment.startsWith('.') };
    });
}

/** A segment's regular expression source. `top`: not inside a brace or extglob group. */
function compileSegment(segment: string, original: string, top: boolean): string {
  const fail = (why: string): never => {
    throw new UsageError(`module glob "${original}": ${why}`);
  };
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    const next = segment[i + 1];
    if (c === '\\') {
      if (next === undefined) fail('a trailing \\ escapes nothing');
      out += escapeRegExp(next!);
      i += 1;
    } else if ('?*+@!'.includes(c) && next === '(') {
      const close = closing(segment, i + 1, '(', ')') ?? fail(`unclosed ${c}( … )`);
      const alternatives = splitTop(segment.slice(i + 2, close), '|')
        .map((a) => compileSegment(a, original, false))
        .join('|');
      if (c === '!') {
        if (!top) fail('!( … ) inside another group is not supported');
        // Anything but the alternatives followed by the rest of the segment (micromatch's reading).
        const rest = compileSegment(segment.slice(close + 1), original, false);
        return `${out}(?:(?!(?:${alternatives})${rest}$)[^/]*?)${rest}`;
      }
      out += `(?:${alternatives})${c === '@' ? '' : c === '+' ? '+' : c}`;
      i = close;
    } else if (c === '*') {
      out += '[^/]*';
      while (segment[i + 1] === '*') i += 1;
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      if (next === '[' && segment[i + 2] === ':')
        fail('POSIX classes such as [[:alpha:]] are not supported: use [a-z]');
      const close = segment.indexOf(']', i + 2);
      if (close === -1) fail('unclosed [');
      const body = segment
        .slice(i + 1, close)
        .replace(/^[!^]/, '^')
        .replace(/\\/g, '\\\\');
      out += `[${body}]`;
      i = close;
    } else if (c === '{') {
      const close = closing(segment, i, '{', '}') ?? fail('unclosed {');
      out += `(?:${braceAlternatives(segment.slice(i + 1, close))
        .map((a) => compileSegment(a, original, false))
        .join('|')})`;
      i = close;
    } else if ('(|)}]'.includes(c)) {
      fail(`"${c}" is not glob syntax here: use {a,b} or @(a|b) for alternatives, and \\${c} for the character itself`);
    } else {
      out += escapeRegExp(c);
    }
  }
  return out;
}

/** `{a,b}` → a, b; `{1..3}` → 1, 2, 3 (zero-padded like bash when a bound is); `{a..c}` → a, b, c. */
export function braceAlternatives(body: string): string[] {
  const numbers = /^(-?\d+)\.\.(-?\d+)$/.exec(body);
  if (numbers) {
    const [from, to] = [Number(numbers[1]), Number(numbers[2])];
    const width =
      /^-?0\d/.test(numbers[1]!) || /^-?0\d/.test(numbers[2]!) ? Math.max(numbers[1]!.length, numbers[2]!.length) : 0;
    const step = from <= to ? 1 : -1;
    const list: string[] = [];
    for (let n = from; step > 0 ? n <= to : n >= to; n += step) list.push(String(n).padStart(width, '0'));
    return list;
  }
  const letters = /^([a-zA-Z])\.\.([a-zA-Z])$/.exec(body);
  if (letters) {
    const [from, to] = [letters[1]!.charCodeAt(0), letters[2]!.charCodeAt(0)];
    const step = from <= to ? 1 : -1;
    const list: string[] = [];
    for (let n = from; step > 0 ? n <= to : n >= to; n += step) list.push(String.fromCharCode(n));
    return list;
  }
  return splitTop(body, ',');
}

/** The index of the bracket that closes the one at `open`, counting nesting and skipping escapes. */
export function closing(text: string, open: number, left: string, right: string): number | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i += 1;
    else if (c === left || (left === '(' && c === '{') || (left === '{' && c === '(')) depth += 1;
    else if (c === right || (left === '(' && c === '}') || (left === '{' && c === ')')) {
      depth -= 1;
      if (depth === 0) return c === right ? i : undefined;
    }
  }
  return undefined;
}

/** Splits at `separator` outside any (), {} or [] group. */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') i += 1;
    else if ('({['.includes(c)) depth += 1;
    else if (')}]'.includes(c)) depth -= 1;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
