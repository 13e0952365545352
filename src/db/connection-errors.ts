import { passwordOf, redactUrl } from '../config/database-url.js';
import { ModkitError } from '../errors.js';

const HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'is the server running and listening on that host and port?',
  ENOTFOUND: 'check the host name in the URL.',
  '28P01': 'check the user name and password.',
  '28000': 'check the user name and the server\'s pg_hba.conf.',
  '3D000': 'create the database first (createdb), or fix the database name in the URL.',
  SQLITE_CANTOPEN: 'check that the directory exists and is writable.',
  ENOENT: 'a directory on the way to the database file cannot be created there: check the path.',
  EACCES: 'the database file or its directory is not writable by this user: check the path and its permissions.',
  EROFS: 'the database file would be on a read-only file system: choose another path.',
  ENOTDIR: 'a part of the path to the database file is a file, not a directory: check the path.',
};

/** Wraps a connection failure as an exit-5 error whose text never contains the password. */
export function unreachableError(url: string, error: unknown): ModkitError {
  const code = (error as { code?: string })?.code ?? '';
  const message = scrubSecret(String((error as Error)?.message ?? error), url);
  const hint = HINTS[code] ?? 'check the URL, the network and the credentials.';
  return new ModkitError('unreachable', `cannot connect to ${redactUrl(url)}: ${message}${code ? ` (${code})` : ''}; ${hint}`, {
    cause: error,
    details: { url: redactUrl(url), code },
  });
}

/** Removes the URL's password (raw and percent-decoded) from any text. */
export function scrubSecret(text: string, url: string | undefined): string {
  const secret = passwordOf(url);
  let out = url ? text.split(url).join(redactUrl(url)) : text;
  if (secret) {
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  return out;
}
