/**
 * Trains dist/modkit-cli.cache, the V8 code cache bin/code-cache.js runs the CLI bundle from on
 * Node releases without a compile cache of their own (< 22.1; on later ones there is nothing to
 * train and any old cache is removed). scripts/build.mjs calls it once the bundle is in place: the
 * cache records the bundle's path, which stack frames then name.
 *
 * It runs the CLI on a throwaway project (SQL and script migrations, a system module) through
 * train-run.mjs, which writes the cache at exit, each run adding what it compiled to the cache of
 * the one before: migrate --only applying, the same with nothing to do
 * (the run of every deploy), lint (the PostgreSQL lint a PostgreSQL migrate runs too) and --help. Without better-sqlite3 (an optional dependency) it trains
 * on `graph`, which needs no driver.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TRAIN_RUN = fileURLToPath(new URL('./train-run.mjs', import.meta.url));

/** Trains the cache of `dist`'s bundle; warns when it cannot (the CLI then compiles as usual). */
export function trainCodeCache(dist) {
  const bundle = join(dist, 'modkit-cli.cjs');
  const cache = join(dist, 'modkit-cli.cache');
  rmSync(cache, { force: true });
  if (module.enableCompileCache) return;
  const env = { ...process.env };
  delete env.MODKIT_DATABASE_URL;
  let dir;
  try {
    dir = mkdtempSync(join(tmpdir(), 'modkit-train-'));
    const config = writeTrainingProject(dir);
    const run = (args) =>
      execFileSync(process.execPath, [TRAIN_RUN, bundle, cache, ...args], {
        env,
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 60_000, // a run that hangs must not hang `npm install`
      });
    if (hasBetterSqlite3(dist)) {
      const migrate = ['migrate', '--only', '-c', config, '--database-url', `sqlite:${join(dir, 'train.sqlite')}`];
      run(migrate); // applies everything
      run(migrate); // nothing to do
    } else {
      run(['graph', '-c', config]);
    }
    run(['lint', '-c', config]); // the PostgreSQL lint, which migrate runs on pending PostgreSQL files
    run(['--help']);
  } catch (error) {
    // The CLI runs without the cache, only slower to start: a build (npm install's prepare) must
    // not fail for it. The test suite checks that the build trained one (test/cli/code-cache.test.ts).
    rmSync(cache, { force: true });
    const why = String(error.stderr ?? '').trim() || error.message;
    console.warn(`warning: the CLI's code cache was not trained, so start-up on this Node is slower: ${why}`);
    return;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  if (!existsSync(cache)) console.warn(`warning: training the CLI's code cache wrote no ${cache}`);
}

function hasBetterSqlite3(dist) {
  try {
    module.createRequire(join(dist, 'modkit-cli.cjs')).resolve('better-sqlite3');
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
