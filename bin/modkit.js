#!/usr/bin/env node
// The CLI ships as one CommonJS bundle (scripts/build-cli.mjs): one file to read and compile
// instead of ~60 to resolve and link, on every run of every deploy.
import module from 'node:module';

// Node's own compile cache (Node >= 22.1) keeps the bytecode of the bundle between runs. Older
// releases have none: they compile as usual. A cache that cannot be written never fails a run.
try {
  module.enableCompileCache?.();
} catch {
  // a read-only or full temp directory: compile as usual
}

// Stack traces under --verbose name src/*.ts lines (the bundle's source map). Only then: reading
// the map costs time every other run need not pay.
if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);

const { main } = module.createRequire(import.meta.url)('../dist/modkit-cli.cjs');
await main(process.argv);
