#!/usr/bin/env node
// The CLI ships as one CommonJS bundle with a V8 code cache made at build time
// (scripts/build-cli.mjs). Both are about start-up, paid on every deploy: one file instead of ~60
// to resolve and link, and bytecode V8 does not have to compile again (~5 ms). The bundle runs
// as `require` would run it, only compiled here so that the cache can be handed to V8.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/modkit-cli.cjs', import.meta.url));
const source = readFileSync(bundle, 'utf8');
const buildId = /^\/\/ modkit-build (\w+)/.exec(source)?.[1];
const cacheFile = buildId && bundle.replace(/\.cjs$/, `.${buildId}.cache`);
const training = Boolean(process.env.MODKIT_TRAIN_CODE_CACHE && cacheFile);

let cachedData;
try {
  // V8 checks a cache against the source's length only. The build writes the cache after the
  // bundle and npm installs both with one mtime, so a bundle edited later (patch-package, a
  // hand fix) is newer than its cache: it then compiles from source.
  if (cacheFile && statSync(cacheFile).mtimeMs >= statSync(bundle).mtimeMs) cachedData = readFileSync(cacheFile);
} catch {
  // no cache (a development build, or removed): compile as usual
}

// The wrapper stays on the bundle's first line, so line numbers in stack traces are the bundle's
// own. The name is fixed, not this install's path: V8 keeps the name the cache was made with.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: 'modkit/dist/modkit-cli.cjs',
  cachedData,
});
const module = { exports: {} };
script.runInThisContext().call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));

if (training) {
  // Taken at exit, so the cache holds every function this run compiled on the way, added to
  // those of the training runs before it.
  process.on('exit', () => {
    try {
      writeFileSync(cacheFile, script.createCachedData());
    } catch {
      // a read-only install: the build checks that its training wrote a cache, a user's run must not fail
    }
  });
}

// Code compiled through vm.Script has no import() of its own on Node 20; lend it this module's.
await module.exports.main(process.argv, { dynamicImport: (specifier) => import(specifier) });
