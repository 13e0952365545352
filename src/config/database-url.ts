import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { DatabaseTarget, Engine, SettingSource } from './types.js';

/** The embedded default, relative to the config file's directory (SPEC §2.1). */
export const EMBEDDED_SQLITE_PATH = '.modkit/modkit.sqlite';

/**
 * Turns a URL into a target: the scheme picks the engine. Relative SQLite paths resolve
 * against `baseDir` (the config file's directory for URLs written there, the current
 * directory for flags and env, which is where the user typed them).
 */
export function parseDatabaseUrl(url: string, source: SettingSource, baseDir: string): DatabaseTarget {
  const engine = engineOf(url);
  if (engine === 'postgres') return { url, engine, source };
  const path = sqlitePathOf(url);
  const sqlitePath = path === ':memory:' ? path : isAbsolute(path) ? path : resolve(baseDir, path);
  return { url, engine, source, sqlitePath };
}

/** Each engine's name in output and messages. */
export const ENGINE_NAMES: Readonly<Record<Engine, string>> = { postgres: 'PostgreSQL', sqlite: 'SQLite' };

/** Where a target is, as printed: a SQLite file's path, or the URL with its password redacted. */
export function targetLocation(target: DatabaseTarget): string {
  return target.sqlitePath ?? redactUrl(target.url);
}

/** A target as printed: `PostgreSQL postgres://app:***@db/shop`, `SQLite /srv/app.sqlite`. */
export function describeTarget(target: DatabaseTarget): string {
  return `${ENGINE_NAMES[target.engine]} ${targetLocation(target)}`;
}

/** Which engine a URL names, or a UsageError naming the schemes modkit understands. */
export function engineOf(url: string): Engine {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^(sqlite|file):/i.test(url) || /\.(sqlite3?|db)$/i.test(url)) return 'sqlite';
  throw new UsageError(
    `unknown database URL scheme in "${redactUrl(url)}": use postgres://user@host/db, postgresql://…, ` +
      'sqlite:PATH, file:PATH, or a path ending in .sqlite or .db',
  );
}

function sqlitePathOf(url: string): string {
  const match = /^(?:sqlite|file):(?:\/\/)?(.*)$/i.exec(url);
  const rest = match ? match[1]! : url;
  const path = rest.split('?')[0]!;
  if (path === '' || path === ':memory:' || path === 'memory') return ':memory:';
  return decodeURIComponent(path);
}

/** A URL safe to print: the password (in the authority or a `password=` parameter) becomes `***`. */
export function redactUrl(url: string): string {
  // The authority ends at the first / ? or # after the scheme; its userinfo ends at the LAST @
  // in it, since an unencoded @ may sit inside the password itself.
  const withoutPassword = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i, (all, scheme: string, authority: string) => {
    const at = authority.lastIndexOf('@');
    const colon = authority.indexOf(':');
    if (at === -1 || colon === -1 || colon > at) return all;
    return `${scheme}${authority.slice(0, colon)}:***${authority.slice(at)}`;
  });
  return withoutPassword.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** The password in a URL, if any, so error texts can be scrubbed of it. */
export function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    const fromQuery = parsed.searchParams.get('password');
    const secret = parsed.password ? decodeURIComponent(parsed.password) : fromQuery;
    return secret || undefined;
  } catch {
    return undefined;
  }
}
