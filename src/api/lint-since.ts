/**
 * `lint --since <ref>`: the files added or changed since a git ref, as a pull request's check sees
 * them (Atlas's `--git-base`, squawk's GitHub action): everything that differs between the working
 * tree and the merge base of the ref and HEAD — committed, staged, unstaged or untracked.
 */
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UsageError } from '../errors.js';

const run = promisify(execFile);

/** Real paths of the files changed since `ref` in the git work tree that holds `dir`. */
export async function filesChangedSince(ref: string, dir: string): Promise<Set<string>> {
  const git = async (...args: string[]) => (await run('git', ['-C', dir, ...args], { maxBuffer: 64 << 20 })).stdout;
  try {
    const top = (await git('rev-parse', '--show-toplevel')).trim();
    const known = await git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).then(
      () => true,
      () => false,
    );
    if (!known)
      throw Object.assign(new Error(`"${ref}" names no commit of this repository`), {
        stderr: `"${ref}" names no commit of this repository`,
      });
    const base = (await git('merge-base', ref, 'HEAD').catch(() => ref)).trim();
    const changed = await git('-C', top, 'diff', '--name-only', '-z', '--diff-filter=ACMR', base, '--');
    const untracked = await git('-C', top, 'ls-files', '--others', '--exclude-standard', '--full-name', '-z');
    const paths = `${changed}${untracked}`.split('\0').filter((p) => p !== '');
    return new Set(await Promise.all(paths.map((p) => realpath(join(top, p)).catch(() => join(top, p)))));
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? (error as Error).message)
      .trim()
      .split('\n')[0];
    throw new UsageError(
      `lint --since ${ref}: git cannot tell which files changed since "${ref}" in ` +
        `${dir}${detail ? ` (${detail})` : ''}: ` +
        'run it inside the git work tree of the project, with a ref that exists (fetch it first in a shallow CI ' +
        'checkout: git fetch origin main)',
    );
  }
}
