import { isAbsolute, join, resolve } from 'node:path';
import {
  EMBEDDED,
  ENGINE_KEYS,
  engineName,
  isFileEngine,
  isSchemaEngine,
  traitsOf,
  type Engine,
} from '../engines/engine-table.js';
import { UsageError } from '../errors.js';
import { redactUrl, secretsOf } from './redact-url.js';
import type { DatabaseTarget, SchemaTarget, SettingSource } from './types.js';

export { isAmbiguousUrl, redactUrl, secretsOf } from './redact-url.js';

/**
 * The scheme (lower case, before `:`) picks the engine, from the engine table's schemes. A scheme
 * missing there is an error whatever follows it (`http://example.com/foo.db` is not a SQLite file).
 */
const SCHEMES: ReadonlyMap<string, Engine> = new Map(
  ENGINE_KEYS.flatMap((engine) => traitsOf(engine).schemes.map((scheme) => [scheme, engine] as const)),
);

/** The engines whose databases are files (a path in the URL; a bare path with their suffix). */
const FILE_ENGINES = ENGINE_KEYS.filter((e) => traitsOf(e).file !== undefined);
/** `name:` at the start. One letter followed by a slash is a Windows drive (`C:\app.db`), not a scheme. */
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const DRIVE = /^[a-z]:[\\/]/i;

/**
 * Turns a URL into a target: the scheme picks the engine. Relative SQLite paths resolve
 * against `baseDir` (the config file's directory for URLs written there, the current
 * directory for flags and env, which is where the user typed them).
 */
export function parseDatabaseUrl(url: string, source: SettingSource, baseDir: string): DatabaseTarget {
  const engine = engineOf(url);
  const { schemes, name } = traitsOf(engine);
  if (!isFileEngine(engine)) return { url, engine, source };
  // `sqlite://user:pw@host/x.db` would name a file `user:pw@host/x.db`, and print it as such.
  if (new RegExp(`^${schemePattern(schemes)}://[^/]*@`, 'i').test(url)) {
    throw new UsageError(
      `a ${name} URL takes a file path, not a user, password or host: "${redactUrl(url)}". ` +
        `Use ${schemes[0]}:PATH or ${schemes[0]}:///ABSOLUTE/PATH`,
    );
  }
  const path = filePathOf(url, schemes);
  const filePath = path === ':memory:' ? path : isAbsolute(path) ? path : resolve(baseDir, path);
  return { url, engine, source, filePath };
}

/** True for a target whose engine's databases hold schemas (the engine table's `searchPathOf`). */
export function isSchemaTarget(target: DatabaseTarget): target is SchemaTarget {
  return isSchemaEngine(target.engine);
}

/**
 * `target` with the schema its history tables live in (and, for a fleet's tenant, the search_path
 * its connections start with). Engines without schemas have nothing to put it in: unchanged.
 */
export function withSchema(target: DatabaseTarget, schema: string | undefined, searchPath?: string): DatabaseTarget {
  if (schema === undefined || !isSchemaTarget(target)) return target;
  return { ...target, schema, ...(searchPath !== undefined ? { searchPath } : {}) };
}

/** Where a target is, as printed: a SQLite file's path, or the URL with its password redacted. */
export function targetLocation(target: DatabaseTarget): string {
  return target.filePath ?? redactUrl(target.url);
}

/** A target as printed: `PostgreSQL postgres://app:***@db/shop`, `SQLite /srv/app.sqlite`. */
export function describeTarget(target: DatabaseTarget): string {
  return `${engineName(target.engine)} ${targetLocation(target)}`;
}

/** Which engine a URL names, or a UsageError (exit 2) naming the schemes modkit understands. */
export function engineOf(url: string): Engine {
  refuseUnexpanded(url);
  const scheme = DRIVE.test(url) ? undefined : SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const fileEngine = FILE_ENGINES.find((e) => traitsOf(e).file!.suffix.test(url));
    if (fileEngine !== undefined) return fileEngine;
    throw new UsageError(`"${redactUrl(url)}" is not a database URL: ${KNOWN}`);
  }
  const engine = SCHEMES.get(scheme);
  if (engine) return engine;
  const printed = redactUrl(url);
  // Named only when the redacted URL shows it: in `user:secret@host` the "scheme" is a user name.
  const named = printed.toLowerCase().startsWith(`${scheme}:`) ? ` "${scheme}:"` : '';
  throw new UsageError(`unknown database URL scheme${named} in "${printed}": ${KNOWN}`);
}

/**
 * A `${NAME}` still in a URL is a reference nothing expanded (a value from the environment, a
 * `.env` file or a flag is taken as written): connecting with it would fail at best, and at worst
 * authenticate with the literal text. Exit 2, naming the reference unless it is inside the password.
 */
function refuseUnexpanded(url: string): void {
  const reference = /\$\{[^}]*\}?/.exec(url)?.[0];
  if (reference === undefined) return;
  const hidden = secretsOf(url).some((secret) => secret.includes('${'));
  const what = hidden
    ? 'an unexpanded ${…} reference in its password'
    : `${reference}, a reference that nothing expanded`;
  throw new UsageError(
    `"${redactUrl(url)}" still holds ${what}: modkit expands \${VAR} in the database settings of the config ` +
      'file only; the environment, env files and flags are taken as written (as dotenv and Node read .env files). ' +
      'Put the reference in the config (database: { url: "…${VAR}…" }), or give the URL itself ' +
      '(a literal "${" in a URL is written %24%7B)',
  );
}

/** `use postgres://user@host/db, …, or a file path ending in .sqlite or .db`: servers first, then files. */
const KNOWN = `use ${[...ENGINE_KEYS.filter((e) => !traitsOf(e).file), ...FILE_ENGINES]
  .flatMap((e) => traitsOf(e).urlForms)
  .join(', ')}, or a file path ending in ${FILE_ENGINES.map((e) => traitsOf(e).file!.suffixes).join(' or ')}`;

/** `(?:sqlite|file)`: any of an engine's schemes, in a regular expression. */
function schemePattern(schemes: readonly string[]): string {
  return `(?:${schemes.join('|')})`;
}

/** The file path a file engine's URL (or a bare path) names. */
function filePathOf(url: string, schemes: readonly string[]): string {
  const match = new RegExp(`^${schemePattern(schemes)}:(?://)?(.*)$`, 'i').exec(url);
  // A bare path is a file name as typed; only a URL's path is percent-encoded.
  if (!match) return url;
  const path = match[1]!.split('?')[0]!;
  if (path === '' || path === ':memory:' || path === 'memory') return ':memory:';
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // a raw `%` that starts no escape (`sqlite:/data/100%.db`) is part of the name
  }
}

/** The embedded default's URL: its file relative to the config file's directory `rootDir` (SPEC §2.1). */
export function embeddedUrl(rootDir: string): string {
  return `${traitsOf(EMBEDDED.engine).schemes[0]}:${join(rootDir, EMBEDDED.path)}`;
}
