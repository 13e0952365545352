import { isAmbiguousUrl, redactUrl, secretsOf } from '../config/database-url.js';
import { ModkitError, UsageError } from '../errors.js';

const HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'is the server running and listening on that host and port?',
  ENOTFOUND: 'check the host name in the URL.',
  '28P01': 'check the user name and password.',
  '28000': "check the user name and the server's pg_hba.conf.",
  '3D000': 'create the database first (createdb), or fix the database name in the URL.',
  ER_BAD_DB_ERROR: 'create the database first (CREATE DATABASE), or fix the database name in the URL.',
  ER_ACCESS_DENIED_ERROR: 'check the user name and password.',
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR: 'check the user name and password.',
  ER_DBACCESS_DENIED_ERROR: 'this user may not use that database: GRANT it access, or fix the URL.',
  SQLITE_CANTOPEN: 'check that the directory exists and is writable.',
  ENOENT: 'a directory on the way to the database file cannot be created there: check the path.',
  EACCES: 'the database file or its directory is not writable by this user: check the path and its permissions.',
  EROFS: 'the database file would be on a read-only file system: choose another path.',
  ENOTDIR: 'a part of the path to the database file is a file, not a directory: check the path.',
  ERR_INVALID_URL: 'the driver could not parse the URL.',
};

/** What to do about a password the parsers may split in the wrong place (`u:pa/ss@host`). */
const ENCODE_HINT =
  'Percent-encode special characters in the user name and password (/ %2F, ? %3F, # %23, @ %40, : %3A, % %25).';

/**
 * Wraps a connection failure as an exit-5 error whose text (and cause, for --verbose) never contains
 * the password; a driver that cannot even be loaded is not a connection failure (see driverLoadError).
 */
export function unreachableError(url: string, error: unknown): ModkitError {
  if (error instanceof ModkitError) return error; // classified where it was thrown
  const code = (error as { code?: string })?.code ?? '';
  if (code === 'ERR_DLOPEN_FAILED') return driverLoadError(error as Error);
  const message = scrubSecret(String((error as Error)?.message ?? error), url);
  const hint = `${HINTS[code] ?? 'check the URL, the network and the credentials.'}${isAmbiguousUrl(url) || code === 'ERR_INVALID_URL' ? ` ${ENCODE_HINT}` : ''}`;
  return new ModkitError(
    'unreachable',
    `cannot connect to ${redactUrl(url)}: ${message}${code ? ` (${code})` : ''}; ${hint}`,
    {
      cause: scrubError(error, url),
      details: { url: redactUrl(url), code },
    },
  );
}

/**
 * A driver whose native addon this Node.js cannot load (better-sqlite3 built for another Node.js
 * version, after switching versions without reinstalling): exit 2 with the command that fixes it,
 * not "cannot connect … check the URL" (nothing about the URL or the network is wrong).
 */
export function driverLoadError(error: Error): UsageError {
  const message = error.message.replace(/\s+/g, ' ').trim();
  // The package that holds the addon: the last node_modules/<name> of its path.
  const driver = /.*node_modules\/((?:@[^/\s]+\/)?[^/\s]+)\//.exec(message)?.[1];
  const subject = driver ? `the database driver ${driver}` : 'a database driver';
  const why = message.includes('NODE_MODULE_VERSION') ? ' was built for another Node.js version and' : '';
  // A rebuild keeps better-sqlite3's major: 12.x builds on Node 24 but aborts there (issue 23), 13.x is the one.
  const newer =
    driver === 'better-sqlite3' && Number(process.versions.node.split('.')[0]) >= 24
      ? ' On Node 24 and later install better-sqlite3 13 instead (`npm install better-sqlite3@13`): 12.x aborts there.'
      : '';
  return new UsageError(
    `${subject}${why} cannot be loaded by this Node.js (${process.version}): ${message} ` +
      `Rebuild it for this Node.js: run \`npm rebuild${driver ? ` ${driver}` : ''}\` in your project.${newer}`,
    { cause: error, details: { driver, node: process.version, code: 'ERR_DLOPEN_FAILED' } },
  );
}

/**
 * Removes from any text everything of `url` that may be secret (see redactUrl): the URL itself,
 * each secret raw, percent-decoded and percent-encoded (as drivers re-encode it), and each
 * alphanumeric run of a secret standing on its own. The last catches what a driver echoes after
 * splitting a password in the wrong place: pg reads `postgres://u:12/ss@host/db` as host `u`,
 * port 12 and database `ss@host/db`, and says so in its errors.
 */
export function scrubSecret(text: string, url: string | undefined): string {
  if (!url) return text;
  let out = text.split(url).join(redactUrl(url));
  const variants = new Set<string>();
  for (const secret of secretsOf(url)) {
    const decoded = safeDecode(secret);
    for (const v of [
      secret,
      decoded,
      encodeURI(secret),
      encodeURIComponent(decoded),
      encodeURI(secret).replace(/%25(\d\d)/g, '%$1'),
    ]) {
      if (v) variants.add(v);
    }
  }
  const longestFirst = [...variants].sort((a, b) => b.length - a.length);
  for (const variant of longestFirst) out = out.split(variant).join('***');
  // Runs of letters and digits, cut at every other character and at %-escapes (`%20Zu7v` holds `Zu7v`).
  const runs = new Set(
    longestFirst.flatMap((v) => v.split(/(?:%[0-9a-f]{2}|[^\p{L}\p{N}])+/iu)).filter((run) => run.length >= 2),
  );
  for (const run of [...runs].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(run)}(?![\\p{L}\\p{N}])`, 'gu'), '***');
  }
  return out;
}

/**
 * A copy of a driver's error with message, stack and string fields scrubbed: `--verbose` prints
 * the cause's stack, and a library caller may log the cause.
 */
function scrubError(error: unknown, url: string): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? scrubSecret(error, url) : error;
  const copy = new Error(scrubSecret(error.message, url));
  copy.name = error.name;
  copy.stack = scrubSecret(error.stack ?? '', url);
  for (const [key, value] of Object.entries(error)) {
    if (key === 'input') continue; // Node's ERR_INVALID_URL keeps the whole URL here
    (copy as unknown as Record<string, unknown>)[key] =
      typeof value === 'string'
        ? scrubSecret(value, url)
        : Array.isArray(value)
          ? value.map((v: unknown) => scrubError(v, url))
          : value;
  }
  return copy;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The database refused for want of a privilege (PostgreSQL's SQLSTATE 42501, insufficient_privilege). */
export function lacksPrivilege(error: unknown): boolean {
  return (error as { code?: unknown })?.code === '42501';
}
