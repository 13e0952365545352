/**
 * `npm run build`: `tsc`, then the CLI bundle (build-cli.mjs), both written into a fresh directory
 * beside dist/, then moved into dist/ one file at a time. A rename replaces a file atomically, so a
 * CLI or library run during a build (another terminal, a test suite, `npm pack`) reads the old file
 * or the new one, never a missing or half-written one, as it did when the build emptied dist/
 * first. Files the new build no longer has go last; a build that fails leaves dist/ as it was.
 * Then, on Node releases without a compile cache of their own, the CLI's code cache is trained on
 * the bundle in its place (train-code-cache.mjs).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from './build-cli.mjs';
import { trainCodeCache } from './train-code-cache.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repo, 'dist');
const PREFIX = '.dist-build-';
// Beside dist/, at its depth: the source maps' relative paths (../src/…) stay right after the move.
const next = join(repo, `${PREFIX}${process.pid}`);

removeAbandonedBuilds();
try {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(repo, 'tsconfig.build.json'), '--outDir', next];
  const compiled = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (compiled.status !== 0) {
    throw new Error(`tsc failed (exit ${compiled.status ?? compiled.signal}); dist/ is unchanged`);
  }
  await buildCli(next);
  moveInto(next, dist);
  trainCodeCache(dist);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  rmSync(next, { recursive: true, force: true });
}

/** Moves every file of `from` into `to` (replacing, atomically per file), then removes what `to` has in excess. */
function moveInto(from, to) {
  const fresh = filesUnder(from);
  for (const file of fresh) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    renameSync(join(from, file), join(to, file));
  }
  const kept = new Set(fresh);
  for (const file of filesUnder(to)) if (!kept.has(file)) rmSync(join(to, file));
  removeEmptyDirectories(to);
}

/** Paths of the files under `dir`, relative to it. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

function removeEmptyDirectories(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const sub = join(dir, entry.name);
    removeEmptyDirectories(sub);
    if (readdirSync(sub).length === 0) rmSync(sub, { recursive: true });
  }
}

/** The build directories of builds that were interrupted (their process is gone). */
function removeAbandonedBuilds() {
  for (const name of readdirSync(repo)) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length));
    if (Number.isInteger(pid) && pid !== process.pid && !isRunning(pid)) {
      rmSync(join(repo, name), { recursive: true, force: true });
    }
  }
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
