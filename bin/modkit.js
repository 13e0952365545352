#!/usr/bin/env node
// The CLI ships as one CommonJS bundle (scripts/build-cli.mjs): one file to read and compile
// instead of ~60 to resolve and link, on every run of every deploy.
import module from 'node:module';
import { fileURLToPath } from 'node:url';

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

const bundle = fileURLToPath(new URL('../dist/modkit-cli.cjs', import.meta.url));
let main;
try {
  ({ main } = module.createRequire(import.meta.url)(bundle));
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
await main(process.argv);
