import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { redactUrl, secretsOf } from './redact-url.js';
import type { DatabaseTarget, Engine, SettingSource } from './types.js';

export { isAmbiguousUrl, redactUrl, secretsOf } from './redact-url.js';

/** The embedded default, relative to the config file's directory (SPEC §2.1). */
export const EMBEDDED_SQLITE_PATH = '.modkit/modkit.sqlite';

/**
 * The one table of URL schemes: the scheme (lower case, before `:`) picks the engine. A scheme
 * missing here is an error whatever follows it (`http://example.com/foo.db` is not a SQLite file).
 * Adding an engine is one line here (and its dialect in src/db).
 */
const SCHEMES: Readonly<Record<string, Engine>> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  sqlite: 'sqlite',
  file: 'sqlite',
  mysql: 'mysql',
  mariadb: 'mysql',
};

/** A bare path (no scheme) names a SQLite file when it ends so. */
const SQLITE_SUFFIX = /\.(sqlite3?|db)$/i;
/** `name:` at the start. One letter followed by a slash is a Windows drive (`C:\app.db`), not a scheme. */
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const DRIVE = /^[a-z]:[\\/]/i;
/** An `@` in the authority of a SQLite URL: userinfo where a file path belongs. */
const SQLITE_USERINFO = /^(?:sqlite|file):\/\/[^/]*@/i;

/**
 * Turns a URL into a target: the scheme picks the engine. Relative SQLite paths resolve
 * against `baseDir` (the config file's directory for URLs written there, the current
 * directory for flags and env, which is where the user typed them).
 */
export function parseDatabaseUrl(url: string, source: SettingSource, baseDir: string): DatabaseTarget {
  const engine = engineOf(url);
  if (engine !== 'sqlite') return { url, engine, source };
  // `sqlite://user:pw@host/x.db` would name a file `user:pw@host/x.db`, and print it as such.
  if (SQLITE_USERINFO.test(url)) {
    throw new UsageError(`a SQLite URL takes a file path, not a user, password or host: "${redactUrl(url)}". Use sqlite:PATH or sqlite:///ABSOLUTE/PATH`);
  }
  const path = sqlitePathOf(url);
  const sqlitePath = path === ':memory:' ? path : isAbsolute(path) ? path : resolve(baseDir, path);
  return { url, engine, source, sqlitePath };
}

/** Each engine's name in output and messages. */
export const ENGINE_NAMES: Readonly<Record<Engine, string>> = { postgres: 'PostgreSQL', sqlite: 'SQLite', mysql: 'MariaDB/MySQL' };

/** Where a target is, as printed: a SQLite file's path, or the URL with its password redacted. */
export function targetLocation(target: DatabaseTarget): string {
  return target.sqlitePath ?? redactUrl(target.url);
}

/** A target as printed: `PostgreSQL postgres://app:***@db/shop`, `SQLite /srv/app.sqlite`. */
export function describeTarget(target: DatabaseTarget): string {
  return `${ENGINE_NAMES[target.engine]} ${targetLocation(target)}`;
}

/** Which engine a URL names, or a UsageError (exit 2) naming the schemes modkit understands. */
export function engineOf(url: string): Engine {
  refuseUnexpanded(url);
  const scheme = DRIVE.test(url) ? undefined : SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (SQLITE_SUFFIX.test(url)) return 'sqlite';
    throw new UsageError(`"${redactUrl(url)}" is not a database URL: ${KNOWN}`);
  }
  const engine = Object.hasOwn(SCHEMES, scheme) ? SCHEMES[scheme] : undefined;
  if (engine !== undefined) return engine;
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

const KNOWN = 'use postgres://user@host/db, postgresql://…, mysql://user@host/db, mariadb://…, sqlite:PATH, file:PATH, or a file path ending in .sqlite or .db';

function sqlitePathOf(url: string): string {
  const match = /^(?:sqlite|file):(?:\/\/)?(.*)$/i.exec(url);
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

/** Engines where one database holds many tenants' schemas (a fleet target's `schema`). */
export const SCHEMA_TARGET_ENGINES: ReadonlySet<Engine> = new Set<Engine>(['postgres']);
