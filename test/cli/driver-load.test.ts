import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { installCopy, REPO } from '../support/install-copy.js';
import { BIN } from '../support/run-cli.js';

/**
 * Issue 23 #3a: a driver whose native addon this Node.js cannot load (better-sqlite3 built for
 * another Node.js version, after switching versions without reinstalling) is exit 2 with the
 * command that fixes it, not "cannot connect … check the URL" and exit 5.
 */
const good = { name: 'core', migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);' } };
const addon = join('build', 'Release', 'better_sqlite3.node');
let project: FixtureProject | undefined;

afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** Runs `bin` with `node` (this one unless told) on the fixture's config and a SQLite file. */
function migrate(bin: string, node = process.execPath) {
  const { MODKIT_DATABASE_URL: _, ...env } = process.env;
  const args = ['migrate', '--only', '-c', project!.configPath, '--database-url', `sqlite:${project!.dir}/db.sqlite`];
  return spawnSync(node, [bin, ...args], { encoding: 'utf8', env });
}

/**
 * The CLI copied beside the project, its node_modules the repository's but for better-sqlite3: a
 * copy of its package.json and lib/, changed by `change` (the package's folder).
 */
function cliWithDriver(change: (driver: string) => void): string {
  const copy = installCopy(project!.dir);
  const modules = join(copy.bin, '..', '..', 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (name === 'better-sqlite3' || name.startsWith('.')) continue;
    symlinkSync(join(REPO, 'node_modules', name), join(modules, name));
  }
  const driver = join(modules, 'better-sqlite3');
  for (const part of ['package.json', 'lib']) {
    cpSync(join(REPO, 'node_modules', 'better-sqlite3', part), join(driver, part), { recursive: true });
  }
  change(driver);
  return copy.bin;
}

describe('a database driver this Node.js cannot load', () => {
  it('an addon that is not a library: exit 2, naming the driver and `npm rebuild better-sqlite3`', async () => {
    project = await createFixtureProject([good]);
    const bin = cliWithDriver((driver) => {
      mkdirSync(join(driver, 'build', 'Release'), { recursive: true });
      writeFileSync(join(driver, addon), 'not a shared library\n');
    });
    const run = migrate(bin);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain('error: the database driver better-sqlite3 cannot be loaded by this Node.js');
    expect(run.stderr).toContain('Rebuild it for this Node.js: run `npm rebuild better-sqlite3` in your project.');
    expect(run.stderr).not.toContain('cannot connect');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a better-sqlite3 for a newer Node.js (13.x crashes Node 20): exit 2 before loading it', async () => {
    project = await createFixtureProject([good]);
    const bin = cliWithDriver((driver) => {
      const manifest = JSON.parse(readFileSync(join(driver, 'package.json'), 'utf8')) as Record<string, unknown>;
      const newer = { ...manifest, version: '99.0.0', engines: { node: '>=99' } };
      writeFileSync(join(driver, 'package.json'), JSON.stringify(newer));
      // Loading any addon would be a failure of this test: there is none to load.
    });
    const run = migrate(bin);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      `error: better-sqlite3 99.0.0 needs Node.js >=99, and this is ${process.version}: ` +
        'install the driver for this Node.js in your project',
    );
    expect(run.stderr).toContain('`npm install better-sqlite3@12`');
  });

  // A second Node.js (`.ci/run` passes Node 24's) against the repository's better-sqlite3 when its
  // addon is built for this Node's ABI (12.x; 13.x's Node-API binaries load on every version).
  const otherNode = process.env['MODKIT_TEST_OTHER_NODE'];
  const abiSpecific = existsSync(join(REPO, 'node_modules', 'better-sqlite3', addon));
  it.runIf(otherNode && abiSpecific)('built for another Node.js: exit 2, saying so and naming the fix', async () => {
    project = await createFixtureProject([good]);
    const version = spawnSync(otherNode!, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const major = (v: string) => v.split('.')[0];
    expect(major(version), `MODKIT_TEST_OTHER_NODE=${otherNode}: another major`).not.toBe(major(process.version));
    const run = migrate(BIN, otherNode);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      'error: the database driver better-sqlite3 was built for another Node.js version and cannot be loaded by ' +
        `this Node.js (${version})`,
    );
    expect(run.stderr).toContain('NODE_MODULE_VERSION');
    expect(run.stderr).toContain('Rebuild it for this Node.js: run `npm rebuild better-sqlite3` in your project.');
    expect(run.stderr).not.toContain('cannot connect');
  });
});
