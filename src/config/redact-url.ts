/**
 * Printing database URLs without their secrets (SPEC §2.1: passwords never appear in any output).
 *
 * A URL a user typed is not always a URL a parser agrees with: `postgres://u:pa/ss@host/db` has
 * a raw `/` in its password, so WHATWG's parser ends the authority at that `/` and pg throws
 * "Invalid URL", while an older parser reads the host as `ss@host`. Redaction therefore never
 * trusts a parse. It works on the string, and where the string is ambiguous it assumes the worst:
 * a password may run from the first `:` after the scheme to the LAST `@` of the whole string,
 * since no parser ends a userinfo anywhere else.
 */

import { ENGINE_KEYS, traitsOf, type EngineTraits } from '../engines/engine-table.js';

/** `scheme://`, the part of a URL that is never secret. */
const SCHEME_SLASHES = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A file engine's URLs without `//` are file paths (`sqlite:`): an `@` or `:` in them is part of a file name. */
const FILE_PATH = new RegExp(`^${schemesOf((e) => e.file !== undefined)}:(?!//)`, 'i');
/** The schemes kept in front of `***@` when a string without `//` is ambiguous (`postgres:u:p@h`). */
const KNOWN_SCHEME = new RegExp(`^${schemesOf(() => true)}:`, 'i');
/**
 * Parameters whose value is a secret (`password=`, `sslpassword=`, `pwd=`, `token=`, …) after `?`,
 * `&` or `;`, or after white space in a libpq-style `key=value` string. A value runs to the next
 * `&`/blank that starts another `name=`, or to the end: a raw `&` or `#` inside a password then
 * stays hidden too.
 */
const SECRET_PARAM =
  /(^|[?&;\s])([^=&?#;\s]*(?:pass|pwd|secret|token)[^=&?#;\s]*=)([\s\S]*?)(?=[&;\s][^=&?#;\s]*=|$)/gi;

interface Split {
  /** What is printed before `***`: `scheme://user:` when unambiguous, `scheme://` (or less) when not. */
  readonly keep: string;
  /** The raw text that may be a password (possibly empty). */
  readonly secret: string;
  /** What follows the secret, from the `@` on. */
  readonly rest: string;
  /** Parsers may disagree on where this userinfo ends. */
  readonly ambiguous: boolean;
}

/**
 * A URL safe to print, whatever the string: everything that any parser could read as a password
 * becomes `***`, and so does the value of every password-like parameter. When the userinfo is
 * unambiguous (the last `@` of the string ends the authority), the user name stays:
 * `postgres://app:***@host/db`. When it is not (a raw `/`, `?` or `#` before the `@`, or no `//`),
 * nothing of the userinfo is printed: `postgres://u:pa/ss@host/db` → `postgres://***@host/db`.
 *
 * @example
 * redactUrl('postgres://app:s3cret@db.internal:5432/app') // → 'postgres://app:***@db.internal:5432/app'
 */
export function redactUrl(url: string): string {
  const split = splitUserinfo(url);
  const printed = split ? `${split.keep}***${split.rest}` : url;
  return printed.replace(SECRET_PARAM, (_all, before: string, name: string) => `${before}${name}***`);
}

/**
 * Every piece of `url` that may be secret, raw as written: the password candidate of the userinfo
 * (see {@link redactUrl}) and the values of password-like parameters. Empty strings are left out.
 */
export function secretsOf(url: string | undefined): readonly string[] {
  if (!url) return [];
  const secrets: string[] = [];
  const split = splitUserinfo(url);
  if (split?.secret) secrets.push(split.secret);
  for (const match of url.matchAll(SECRET_PARAM)) if (match[3]) secrets.push(match[3]);
  return secrets;
}

/**
 * True when parsers may disagree on where the userinfo ends: an `@` after the authority, or a
 * userinfo without `scheme://`. Such a URL should have its password percent-encoded.
 */
export function isAmbiguousUrl(url: string): boolean {
  return splitUserinfo(url)?.ambiguous === true;
}

function splitUserinfo(url: string): Split | undefined {
  if (FILE_PATH.test(url)) return undefined;
  const at = url.lastIndexOf('@');
  if (at === -1) return undefined;
  const slashes = SCHEME_SLASHES.exec(url)?.[0];
  const prefix = slashes ?? KNOWN_SCHEME.exec(url)?.[0] ?? '';
  const colon = url.indexOf(':', prefix.length);
  // No `:` before the last `@`: a user name at most, never a password.
  if (at < prefix.length || colon === -1 || colon > at) return undefined;
  const secret = url.slice(colon + 1, at);
  const rest = url.slice(at);
  // Unambiguous only with `scheme://` and the last `@` inside the authority (before any / ? #).
  if (slashes && at < firstIndexOf(url, '/?#', prefix.length)) {
    return { keep: url.slice(0, colon + 1), secret, rest, ambiguous: false };
  }
  return { keep: prefix, secret, rest, ambiguous: true };
}

function firstIndexOf(text: string, chars: string, from: number): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return text.length;
}

/** `(?:postgres|postgresql|…)`: the schemes of the engines that `which` picks, as a regular expression. */
function schemesOf(which: (traits: EngineTraits) => boolean): string {
  return `(?:${ENGINE_KEYS.map(traitsOf)
    .filter(which)
    .flatMap((t) => t.schemes)
    .join('|')})`;
}
