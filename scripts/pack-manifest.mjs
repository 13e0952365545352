/**
 * `prepack` (strip) and `postpack` (restore): the package.json that `npm pack` / `npm publish` put in
 * the tarball has no `prepare` script.
 *
 * `prepare` builds dist/ in a clone (`npm install`) and for `npm install <git URL>`. A tarball ships
 * dist/ built and npm never runs `prepare` when installing one, yet npm 11 lists it among the
 * install scripts to approve ("modkit@0.1.0 (prepare: npm run build)"): a warning about nothing.
 *
 * strip: keeps the original as .package.json.packing, then replaces package.json (by rename, so
 * no reader sees half a file). restore: renames the original back. A strip that finds an original
 * left by a pack that failed before its postpack restores it first.
 */
import { existsSync, readFileSync, renameSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const manifest = join(repo, 'package.json');
const original = join(repo, '.package.json.packing');

const action = process.argv[2];
if (action === 'strip') {
  restore();
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  delete pkg.scripts.prepare;
  copyFileSync(manifest, original);
  writeFileSync(`${manifest}.tmp`, `${JSON.stringify(pkg, null, 2)}\n`);
  renameSync(`${manifest}.tmp`, manifest);
} else if (action === 'restore') {
  restore();
} else {
  console.error('usage: node scripts/pack-manifest.mjs strip|restore');
  process.exitCode = 2;
}

function restore() {
  if (existsSync(original)) renameSync(original, manifest);
}
