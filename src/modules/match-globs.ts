import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/**
 * Finds the files matching glob patterns under `cwd`: `*`, `?`, `[abc]`, `{a,b}` and `**`.
 * A small walker rather than a glob library: module discovery is on the path of every
 * `modkit migrate --only`, and loading a general glob package cost more than the walk itself.
 * Directories named `node_modules` and dot-entries are never matched by wildcards.
 * Returns absolute paths, sorted, without duplicates.
 */
export function matchGlobs(cwd: string, patterns: readonly string[]): string[] {
  const found = new Set<string>();
  for (const pattern of patterns.flatMap(expandBraces)) {
    const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
    walk(pattern.startsWith('/') ? '/' : cwd, segments, found);
  }
  return [...found].sort();
}

function walk(dir: string, segments: readonly string[], found: Set<string>): void {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  if (segment === '**') {
    walk(dir, rest, found); // `**` matches zero directories too
    for (const entry of list(dir)) if (entry.isDirectory() && isWalkable(entry.name)) walk(join(dir, entry.name), segments, found);
    return;
  }
  // A literal segment names one entry (even a dot-entry); a wildcard never matches hidden entries.
  const literal = !/[*?[]/.test(segment);
  const matcher = literal ? undefined : toRegExp(segment);
  for (const entry of list(dir)) {
    if (literal ? entry.name !== segment : !matcher!.test(entry.name) || !isWalkable(entry.name)) continue;
    const path = join(dir, entry.name);
    if (rest.length === 0) {
      if (entry.isFile() || entry.isSymbolicLink()) found.add(path);
    } else if (entry.isDirectory() || entry.isSymbolicLink()) {
      walk(path, rest, found);
    }
  }
}

function list(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // a missing directory simply matches nothing
  }
}

function isWalkable(name: string): boolean {
  return !name.startsWith('.') && name !== 'node_modules';
}

/** One path segment as an anchored regular expression. */
function toRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        source += `[${segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** `a/{b,c}/d` → `a/b/d`, `a/c/d` (nested braces too). */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open === -1) return [pattern];
  let depth = 0;
  const parts: string[] = [];
  let start = open + 1;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      parts.push(pattern.slice(start, i));
      const head = pattern.slice(0, open);
      const tail = pattern.slice(i + 1);
      return parts.flatMap((p) => expandBraces(`${head}${p}${tail}`));
    } else if (c === ',' && depth === 1) {
      parts.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  return [pattern]; // unbalanced: taken literally
}
