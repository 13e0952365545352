/**
 * squawk (https://squawkhq.com), the most used PostgreSQL migration linter, run beside modkit's
 * lint on the same files. Not a dependency of modkit: `--squawk PATH` names a binary, else one
 * installed in a scratch directory is used, installed there with npm the first time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SQUAWK_VERSION = '2.66.0';

/** squawk's rules about locks, rewrites and changes that break running code; the rest are style. */
export const SQUAWK_SAFETY_RULES = new Set([
  'adding-field-with-default',
  'adding-foreign-key-constraint',
  'adding-not-nullable-field',
  'adding-required-field',
  'adding-serial-primary-key-field',
  'ban-alter-domain-with-add-constraint',
  'ban-concurrent-index-creation-in-transaction',
  'ban-create-domain-with-constraint',
  'ban-drop-column',
  'ban-drop-database',
  'ban-drop-not-null',
  'ban-drop-table',
  'ban-truncate-cascade',
  'changing-column-type',
  'constraint-missing-not-valid',
  'disallowed-unique-constraint',
  'renaming-column',
  'renaming-table',
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'require-concurrent-partition-detach',
  'require-concurrent-reindex',
  'prefer-repack',
  'transaction-nesting',
  'ban-uncommitted-transaction',
]);

/** The squawk binary: `explicit`, else the scratch install (made now if missing). */
export function findSquawk(explicit, log = () => {}) {
  if (explicit) return explicit;
  const prefix = join(tmpdir(), `modkit-bench-squawk-${SQUAWK_VERSION}`);
  const bin = join(prefix, 'node_modules', '.bin', 'squawk');
  if (!existsSync(bin)) {
    log(`installing squawk-cli@${SQUAWK_VERSION} into ${prefix} (npm)`);
    mkdirSync(prefix, { recursive: true });
    execFileSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `squawk-cli@${SQUAWK_VERSION}`],
      { stdio: 'ignore' },
    );
  }
  return bin;
}

/** squawk's violations of `files` as its JSON reporter lists them (it exits 1 when it found any). */
export function runSquawk(bin, files, cwd) {
  try {
    return JSON.parse(
      execFileSync(bin, ['--reporter', 'json', ...files], { cwd, maxBuffer: 256 << 20 }).toString() || '[]',
    );
  } catch (error) {
    if (error.status === 1 && error.stdout) return JSON.parse(error.stdout.toString());
    throw error;
  }
}
