import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { braceAlternatives, closing, compileGlob, type Segment } from './compile-glob.js';

/**
 * Finds the files matching the config's `modules` globs under `cwd` (syntax: compile-glob.ts).
 * A pattern starting with `!` excludes what it matches from what the others found, whatever the
 * order (as fast-glob and globby read `['modules/*\/module.ts', '!modules/legacy/module.ts']`).
 * A small walker rather than a glob library: module discovery is on the path of every
 * `modkit migrate --only`, and loading a general glob package cost more than the walk itself.
 * Directories named `node_modules` and dot-entries are never matched by wildcards.
 * Returns absolute paths, sorted, without duplicates. Throws a UsageError on a malformed glob.
 */
export function matchGlobs(cwd: string, patterns: readonly string[]): string[] {
  const include = patterns.filter((p) => !isExclusion(p));
  const exclude = patterns.filter(isExclusion).map((p) => p.slice(1));
  if (include.length === 0) {
    throw new UsageError(
      `"modules" lists only exclusions (${patterns.join(', ')}): add a pattern that selects module files, e.g. 'modules/*/module.ts'`,
    );
  }
  const found = new Set<string>();
  for (const pattern of include) {
    for (const expanded of expandBraces(pattern))
      walk(expanded.startsWith('/') ? '/' : cwd, compileGlob(expanded, pattern), found);
  }
  if (exclude.length === 0) return [...found].sort();
  const excluded = exclude.flatMap((pattern) =>
    expandBraces(pattern).map((p) => ({ absolute: p.startsWith('/'), segments: compileGlob(p, `!${pattern}`) })),
  );
  return [...found]
    .filter((file) => {
      const rel = relative(cwd, file).split(sep);
      const abs = file.split(sep).filter(Boolean);
      return !excluded.some((x) => matchesPath(x.absolute ? abs : rel, x.segments));
    })
    .sort();
}

/** `!x` excludes; `!(x)…` is an extglob that selects. */
function isExclusion(pattern: string): boolean {
  return pattern.startsWith('!') && !pattern.startsWith('!(');
}

function walk(dir: string, segments: readonly Segment[], found: Set<string>): void {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  if (segment.kind === 'any-depth') {
    walk(dir, rest, found); // `**` matches zero directories too
    for (const entry of list(dir))
      if (entry.isDirectory() && isWalkable(entry.name)) walk(join(dir, entry.name), segments, found);
    return;
  }
  if (segment.kind === 'literal') {
    // A literal segment names one entry (even a dot-entry): one stat, no listing.
    const path = join(dir, segment.name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (rest.length === 0) {
      if (stats?.isFile()) found.add(path);
    } else if (stats?.isDirectory()) {
      walk(path, rest, found);
    }
    return;
  }
  for (const entry of list(dir)) {
    if (!segment.regex.test(entry.name) || (!segment.dot && !isWalkable(entry.name))) continue;
    const path = join(dir, entry.name);
    if (rest.length === 0) {
      if (entry.isFile() || entry.isSymbolicLink()) found.add(path);
    } else if (entry.isDirectory() || entry.isSymbolicLink()) {
      walk(path, rest, found);
    }
  }
}

/** Whether a path (as segments) matches a compiled pattern; for exclusions. */
function matchesPath(path: readonly string[], segments: readonly Segment[]): boolean {
  const [segment, ...rest] = segments;
  if (segment === undefined) return path.length === 0;
  if (segment.kind === 'any-depth')
    return path.some((_, i) => matchesPath(path.slice(i), rest)) || matchesPath([], rest);
  const [name, ...tail] = path;
  if (name === undefined) return false;
  const ok = segment.kind === 'literal' ? name === segment.name : segment.regex.test(name);
  return ok && matchesPath(tail, rest);
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

/**
 * Expands the brace groups that span segments, `a/{b,c/d}/e` → `a/b/e`, `a/c/d/e` (nested too).
 * Groups within one segment (`module.{ts,js}`) stay: compile-glob.ts turns them into one regular
 * expression, so the directory is listed once rather than once per alternative.
 */
export function expandBraces(pattern: string): string[] {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i += 1;
    else if (pattern[i] === '{') {
      const close = closing(pattern, i, '{', '}');
      if (close === undefined) throw new UsageError(`module glob "${pattern}": unclosed {`);
      const body = pattern.slice(i + 1, close);
      if (body.includes('/')) {
        const head = pattern.slice(0, i);
        const tail = pattern.slice(close + 1);
        return braceAlternatives(body).flatMap((alternative) => expandBraces(`${head}${alternative}${tail}`));
      }
      i = close;
    }
  }
  return [pattern];
}
