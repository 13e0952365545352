#!/usr/bin/env node
// The CLI ships as one CommonJS bundle with a V8 code cache made at build time
// (scripts/build-cli.mjs). Both are about start-up, paid on every deploy: one file instead of ~60
// to resolve and link, and bytecode V8 does not have to compile again (~4 ms). The bundle runs
// exactly as `require` would run it, only compiled here so that the cache can be handed to V8.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/modkit-cli.cjs', import.meta.url));
const source = readFileSync(bundle, 'utf8');
const buildId = /^\/\/ modkit-build (\w+)/.exec(source)?.[1];
const cacheFile = buildId && bundle.replace(/\.cjs$/, `.${buildId}.cache`);
let cachedData;
try {
  if (cacheFile) cachedData = readFileSync(cacheFile);
} catch {
  // no cache (a development build, or removed): compile as usual
}

// The wrapper stays on the bundle's first line, so line numbers in stack traces are the bundle's own.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  cachedData,
});
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));

if (process.env.MODKIT_TRAIN_CODE_CACHE && cacheFile) {
  // Taken at exit, so the cache holds every function this run compiled on the way, added to
  // those of the training runs before it.
  process.on('exit', () => {
    try {
      writeFileSync(cacheFile, script.createCachedData());
    } catch {
      // read-only install: the build notices a missing cache, a user's run must not fail on it
    }
  });
}

// Code compiled through vm.Script has no import() of its own on Node 20; lend it this module's.
await module.exports.main(process.argv, { dynamicImport: (specifier) => import(specifier) });
