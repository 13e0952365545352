import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { traitsOf } from '../engines/engine-table.js';
import type { DatabaseTarget } from './types.js';

/** Names of this machine's loopback interface: one server answers on all of them in practice. */
const LOOPBACK: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * Which database a target names, as a canonical key: the same for every spelling of one database
 * (`postgresql://u:pw@LOCALHOST/app` and `postgres://u@127.0.0.1:5432/app`; `sqlite:./a.db` and
 * `file:/abs/a.db`), so that modkit takes one lock per database, never two on one database (which
 * would wait for itself), and so that every runner takes its locks in the same order (sorted by
 * key), which keeps two runners from deadlocking. The user, the password and connection parameters
 * do not change which database it is. Keys are compared, never printed: they may hold paths.
 */
export function databaseKey(target: DatabaseTarget): string {
  if (target.filePath !== undefined) return `${target.engine}:${canonicalPath(target.filePath)}`;
  const url = parseUrl(target.url);
  if (!url) return `${target.engine}:${target.url}`;
  let host =
    decode(url.hostname)
      .replace(/^\[(.*)\]$/, '$1')
      .toLowerCase() ||
    url.searchParams.get('host') ||
    'localhost';
  if (LOOPBACK.has(host)) host = 'localhost';
  const port = url.port || url.searchParams.get('port') || traitsOf(target.engine).defaultPort || '';
  return `${target.engine}://${host}:${port}/${nameIn(target, url)}`;
}

/**
 * The name of the database a server URL names (libpq's default: the user's name), compared
 * ignoring case; undefined for a file. Spelling the host another way (`127.1`, a DNS alias) does not
 * change it, so only targets of one engine with one name can be one database ({@link groupBySameDatabase}).
 */
export function databaseNameOf(target: DatabaseTarget): string | undefined {
  if (target.filePath !== undefined) return undefined;
  const url = parseUrl(target.url);
  return url ? nameIn(target, url).toLowerCase() : undefined;
}

function nameIn(target: DatabaseTarget, url: URL): string {
  const path = decode(url.pathname.replace(/^\//, ''));
  return path || (traitsOf(target.engine).databaseDefaultsToUser ? decode(url.username) : '');
}

/**
 * What else a connection to the database says besides which database it is: the user, the
 * parameters and modkit's settings. Two targets with one {@link databaseKey} but different
 * settings cannot share one session, and modkit refuses them rather than pick one.
 */
export function connectionSettings(target: DatabaseTarget): string {
  const url = target.filePath === undefined ? parseUrl(target.url) : undefined;
  const params = url
    ? [...url.searchParams].filter(([k]) => k !== 'password').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : [];
  return JSON.stringify({
    user: url ? decode(url.username) : '',
    params,
    schema: target.schema ?? null,
    searchPath: target.searchPath ?? null,
  });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** A SQLite file's path with symbolic links resolved, also for a file that does not exist yet. */
function canonicalPath(path: string): string {
  if (path === ':memory:') return path;
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}
