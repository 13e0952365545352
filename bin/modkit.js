#!/usr/bin/env node
// The CLI ships as one CommonJS bundle (scripts/build-cli.mjs): one file to read and compile
// instead of ~60 to resolve and link, on every run of every deploy.
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';

const bundle = fileURLToPath(new URL('../dist/modkit-cli.cjs', import.meta.url));
// Stack traces under --verbose name src/*.ts lines (the bundle's source map). Only then: reading
// the map costs time every other run need not pay.
const verbose = process.argv.includes('--verbose');
if (verbose) process.setSourceMapsEnabled(true);

let exports;
if (module.enableCompileCache) {
  // Node's own compile cache (Node >= 22.1) keeps the bytecode of the bundle between runs. A cache
  // that cannot be written never fails a run.
  try {
    module.enableCompileCache();
  } catch {
    // a read-only or full temp directory: compile as usual
  }
} else if (!verbose) {
  // Older releases: the code cache the build trained for this bundle (bin/code-cache.js), where one fits.
  const cache = fileURLToPath(new URL('../dist/modkit-cli.cache', import.meta.url));
  exports = requireWithCodeCache(bundle, cache);
}

try {
  exports ??= module.createRequire(import.meta.url)(bundle);
} catch (error) {
  if (error?.code !== 'MODULE_NOT_FOUND' || !String(error.message).startsWith(`Cannot find module '${bundle}'`))
    throw error;
  // A checkout that was never built (installed with --ignore-scripts, or a build that failed).
  process.stderr.write(
    `error: modkit is not built: ${bundle} is missing. In a clone of modkit, run \`npm install\` ` +
      '(its prepare script builds dist/) or `npm run build`; an installed package ships dist/ already.\n',
  );
  process.exit(2);
}
await exports.main(process.argv);
