/**
 * Builds the CLI that bin/modkit.js runs (scripts/build.mjs calls it after `tsc`): modkit-cli.cjs, one
 * CommonJS bundle of src/cli/main.ts and commander, so Node reads and compiles one file instead of
 * resolving ~60. Drivers, knex and jiti stay external: they load only when a command needs them.
 *
 * With its source map (dist/modkit-cli.cjs.map, pointing at src/, which the package ships), so a
 * stack printed under --verbose names the TypeScript file and line. bin/modkit.js turns source maps
 * on only for --verbose: reading the map costs time that other runs need not pay.
 *
 * On Node 20 and 21 bin/modkit.js may run the bundle from a code cache (bin/code-cache.js), compiled
 * through vm.Script, which has no import() of its own there: the bundle's one native import() (in
 * dynamicImport) then uses the one the loader puts on the bundle's `module` object.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const bundled = new Set(['commander']);
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})].filter(
  (d) => !bundled.has(d),
);

/**
 * commander requires child_process at load time for executable subcommands, which modkit does not
 * have; loading it (with net, dgram and streams) costs ~2 ms of every run. Commander gets a proxy
 * that loads the real module on first use instead.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes(`${sep}commander${sep}`) ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

/**
 * pg probes for Cloudflare Workers when it loads: on Node 20 (no `navigator`) with `typeof
 * Response`, whose lazy global loads Node's fetch implementation (undici): 25-35 ms of every
 * PostgreSQL run on a quiet machine, for nothing (issue 25; ae53ae1 avoided it, the engine split
 * lost it). The CLI requires pg with that one global hidden, within the one synchronous require:
 * no other code runs before it is put back, and the library (dist/*.js) is not touched.
 * Node >= 21 has `navigator.userAgent`, so pg never asks for `Response` there, and nothing is
 * hidden: on Node 24 even reading `Response`'s descriptor loads undici (a lazy data property).
 */
const pgWithoutFetchProbe = {
  name: 'pg-without-fetch-probe',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^pg$/ }, (args) =>
      args.namespace === 'pg-quiet' ? { path: 'pg', external: true } : { path: 'pg', namespace: 'pg-quiet' },
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'pg-quiet' }, () => ({
      contents: [
        "const probes = typeof globalThis.navigator?.userAgent !== 'string';",
        "const response = probes ? Object.getOwnPropertyDescriptor(globalThis, 'Response') : undefined;",
        "const hide = response !== undefined && response.configurable && typeof response.get === 'function';",
        "if (hide) Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true });",
        'try {',
        "  module.exports = require('pg');",
        '} finally {',
        "  if (hide) Object.defineProperty(globalThis, 'Response', response);",
        '}',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * dynamicImport (src/util/dynamic-import.ts) in the bundle: the loader's import() when the bundle
 * runs from the code cache, else its own. The library's copy (dist/util/) stays a plain import().
 */
const importFromLoader = {
  name: 'import-from-loader',
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]src[\\/]util[\\/]dynamic-import\.ts$/ }, () => ({
      contents: [
        'export function dynamicImport(specifier) {',
        '  return __modkitImport === undefined ? import(specifier) : __modkitImport(specifier);',
        '}',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/** Writes `modkit-cli.cjs` and its map into `outDir`, a directory beside src/ (the map's paths are relative). */
export async function buildCli(outDir) {
  await build({
    entryPoints: [join(repo, 'src/cli/main.ts')],
    outfile: join(outDir, 'modkit-cli.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    plugins: [lazyChildProcessForCommander, pgWithoutFetchProbe, importFromLoader],
    sourcemap: 'linked',
    // Without whitespace and comments the bundle is 590 KB instead of 810: less to read, decode and
    // hash on every run (names are kept; the source map still maps every position to src/).
    minifyWhitespace: true,
    legalComments: 'none',
    // The map names files (src/ ships with the package); their text would only make it bigger.
    sourcesContent: false,
    // import.meta.url is the bundle's own URL (dist/), from where packages resolve as from dist/*/.
    define: { 'import.meta.url': '__bundleUrl', __MODKIT_VERSION__: JSON.stringify(pkg.version) },
    // "use strict" first: a banner before esbuild's own directive would turn it into a no-op.
    // `module.modkitImport` is set by bin/code-cache.js only (see importFromLoader).
    banner: {
      js: '"use strict";\nvar __bundleUrl = require("node:url").pathToFileURL(__filename).href;\nvar __modkitImport = module.modkitImport;',
    },
    logLevel: 'warning',
  });
  const file = join(outDir, 'modkit-cli.cjs');
  const code = readFileSync(file, 'utf8');
  assertOneNativeImport(code);
  writeFileSync(file, asciiOnly(code));
}

/**
 * esbuild escapes what is not ASCII in strings, regular expressions and names, but keeps the
 * comments it carries over (JSDoc of class members, a few more) as they are: six of them with a
 * `…` or `≥` made V8 hold the whole source (then 800 KB) as two-byte text, decoded on every run (≈ 1 ms
 * more than ASCII, measured in process). Escaped the same way, the text reads the same wherever it
 * stands (in a literal, `\u2026` is the same character; in a comment, it is only text).
 */
function asciiOnly(code) {
  return code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Code run from the code cache has no import() of its own on Node 20: a native import() anywhere
 * but dynamicImport would fail there, and only when its path runs.
 */
function assertOneNativeImport(bundle) {
  const calls = bundle.match(/(?<![.\w$])import\(/g) ?? [];
  if (calls.length !== 1) {
    throw new Error(
      `the CLI bundle has ${calls.length} native import() calls, expected 1: load modules through dynamicImport (src/util/dynamic-import.ts)`,
    );
  }
}
