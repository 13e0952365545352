/**
 * Builds the CLI that bin/modkit.js runs (after `tsc` has written dist/):
 *
 * 1. dist/modkit-cli.cjs: one CommonJS bundle of dist/cli/main.js and commander, so Node reads and
 *    compiles one file instead of resolving ~60. Drivers, knex and jiti stay external: they load
 *    only when a command needs them. Its first line names the build: `// modkit-build <hash>`.
 * 2. dist/modkit-cli.<hash>.cache: a V8 code cache of that bundle, taken at the end of real runs
 *    on a small SQLite project (migrate --only applying, then with nothing to do, then --help), so
 *    it holds the bytecode of every function such runs compile. bin/modkit.js hands it to V8,
 *    which skips parsing and compiling them (~5 ms of every run). V8 rejects a cache made by
 *    another V8 version (another Node release) or with other flags; the CLI then compiles as
 *    usual, so a cache that does not fit costs nothing but the read.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repo, 'dist');
const bundleFile = join(dist, 'modkit-cli.cjs');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const bundled = new Set(['commander']);
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})].filter((d) => !bundled.has(d));

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

const result = await build({
  entryPoints: [join(dist, 'cli/main.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external,
  plugins: [lazyChildProcessForCommander],
  // import.meta.url is the bundle's own URL (dist/), from where packages resolve as from dist/*/.
  define: { 'import.meta.url': '__bundleUrl' },
  // "use strict" first: a banner before esbuild's own directive would turn it into a no-op.
  banner: { js: '"use strict";\nvar __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  write: false,
  logLevel: 'warning',
});
const code = result.outputFiles[0].text;
assertOneNativeImport(code);
const buildId = createHash('sha256').update(code).digest('hex').slice(0, 16);
writeFileSync(bundleFile, `// modkit-build ${buildId}\n${code}`);

for (const name of readdirSync(dist)) if (/^modkit-cli\.\w+\.cache$/.test(name)) rmSync(join(dist, name));
trainCodeCache();
if (!existsSync(join(dist, `modkit-cli.${buildId}.cache`))) throw new Error('training the CLI code cache wrote no cache file');

/**
 * Code compiled through vm.Script (bin/modkit.js) has no import() of its own on Node 20: a native
 * import() anywhere but src/util/dynamic-import.ts would fail only when that path runs.
 */
function assertOneNativeImport(bundle) {
  const calls = bundle.match(/(?<![.\w$])import\(/g) ?? [];
  if (calls.length !== 1) {
    throw new Error(`the CLI bundle has ${calls.length} native import() calls, expected 1: load modules through dynamicImport (src/util/dynamic-import.ts)`);
  }
}

/**
 * Runs the CLI on a throwaway project (SQL and script migrations, a system module) with
 * MODKIT_TRAIN_CODE_CACHE set, which makes bin/modkit.js write the code cache at exit, each run
 * adding to the cache of the one before. Without better-sqlite3 (an optional dependency) it
 * trains on `graph`, which needs no driver. The name V8 records in the cache is a fixed one
 * (bin/modkit.js), so the cache fits wherever the package is installed.
 */
function trainCodeCache() {
  const dir = mkdtempSync(join(tmpdir(), 'modkit-train-'));
  try {
    const config = writeTrainingProject(dir);
    const run = (args) =>
      execFileSync(process.execPath, [join(repo, 'bin/modkit.js'), ...args], {
        env: { ...process.env, MODKIT_TRAIN_CODE_CACHE: '1', MODKIT_DATABASE_URL: undefined },
        stdio: ['ignore', 'ignore', 'inherit'], // a failing training run is a broken build: show why
      });
    if (hasBetterSqlite3()) {
      const migrate = ['migrate', '--only', '-c', config, '--database-url', `sqlite:${join(dir, 'train.sqlite')}`];
      run(migrate); // applies everything
      run(migrate); // nothing to do: the run of every deploy
    } else {
      run(['graph', '-c', config]);
    }
    run(['--help']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function hasBetterSqlite3() {
  try {
    createRequire(join(dist, 'modkit-cli.cjs')).resolve('better-sqlite3');
    return true;
  } catch {
    return false;
  }
}

function writeTrainingProject(dir) {
  const modules = [
    { name: 'core', deps: [], system: true },
    { name: 'users', deps: ['core'], system: false },
  ];
  for (const { name, deps, system } of modules) {
    const migrations = join(dir, 'modules', name, 'migrations');
    mkdirSync(migrations, { recursive: true });
    writeFileSync(
      join(dir, 'modules', name, 'module.mjs'),
      `export default { name: '${name}', deps: ${JSON.stringify(deps)}, system: ${system}, migrations: './migrations' };\n`,
    );
    writeFileSync(join(migrations, '0001_create.up.sql'), `CREATE TABLE ${name}_items (id INTEGER PRIMARY KEY);\n`);
    writeFileSync(join(migrations, '0001_create.down.sql'), `DROP TABLE ${name}_items;\n`);
    writeFileSync(
      join(migrations, '0002_seed.mjs'),
      `export async function up(db) { await db.raw("INSERT INTO ${name}_items (id) VALUES (1)"); }\n` +
        `export async function down(db) { await db.raw("DELETE FROM ${name}_items"); }\n`,
    );
  }
  const config = join(dir, 'modkit.config.mjs');
  writeFileSync(config, "export default { modules: ['modules/*/module.mjs'] };\n");
  return config;
}
