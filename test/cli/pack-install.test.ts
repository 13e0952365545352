import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';
import { REPO } from '../support/install-copy.js';

/**
 * Issue 15 #1: the package as npm ships it. `npm pack` runs on a copy of the sources without dist/
 * (its `prepare` script builds it: nothing is prepared by hand), the tarball is installed into an
 * empty project together with pg and better-sqlite3, and the installed `modkit` runs there.
 *
 * better-sqlite3 compiles from source on this machine (its prebuilt binaries live on GitHub), about
 * three minutes: the project installs it with --ignore-scripts and takes the addon the repository's
 * own install compiled, same version and same Node. Everything of modkit comes from the tarball.
 */
const scratch = mkdtempSync(join(tmpdir(), 'modkit-pack-'));
const app = join(scratch, 'app');
const modkitBin = join(app, 'node_modules', '.bin', 'modkit');
let tarball = '';
const targets: TestTarget[] = [];

const versionOf = (name: string) => (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: { ...process.env, MODKIT_DATABASE_URL: '', ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The files a fresh clone has that the build reads: no dist/, no node_modules (linked: devDependencies). */
function copySources(into: string): void {
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'bin', 'scripts', 'src']) {
    cpSync(join(REPO, entry), join(into, entry), { recursive: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(into, 'node_modules'), 'dir');
}

function writeApp(): void {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'shop-app', private: true, type: 'module' }, null, 2),
    'modkit.config.ts': "import { defineConfig } from 'modkit';\nexport default defineConfig({ modules: ['modules/*/module.ts'] });\n",
    'modules/core/module.ts': "import { defineModule } from 'modkit';\nexport default defineModule({ name: 'core', system: true, migrations: './migrations' });\n",
    'modules/core/migrations/0001_settings.up.sql': 'CREATE TABLE settings (key VARCHAR(100) PRIMARY KEY, value TEXT);\n',
    'modules/core/migrations/0001_settings.down.sql': 'DROP TABLE settings;\n',
    'modules/core/migrations/0002_seed.ts':
      "import type { Knex } from 'knex';\n" +
      "export async function up(db: Knex) { await db('settings').insert({ key: 'currency', value: 'EUR' }); }\n" +
      "export async function down(db: Knex) { await db('settings').where({ key: 'currency' }).del(); }\n",
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  }
}

beforeAll(async () => {
  const source = join(scratch, 'source');
  mkdirSync(source);
  copySources(source);
  const pack = await run('npm', ['pack', '--silent', '--pack-destination', scratch], source);
  expect(pack.code, pack.stderr).toBe(0);
  tarball = join(scratch, pack.stdout.trim().split('\n').at(-1)!);
  expect(existsSync(tarball), pack.stdout).toBe(true);

  writeApp();
  const install = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball, `pg@${versionOf('pg')}`, `better-sqlite3@${versionOf('better-sqlite3')}`],
    app,
  );
  expect(install.code, install.stderr).toBe(0);
  const addon = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(dirname(join(app, addon)), { recursive: true });
  cpSync(join(REPO, addon), join(app, addon));
}, 600_000);

afterAll(async () => {
  for (const t of targets) await t.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm pack, installed into an empty project with pg and better-sqlite3', () => {
  it('ships the built CLI and library, their source maps and the sources they map to, and no tests', () => {
    const installed = join(app, 'node_modules', 'modkit');
    for (const file of ['bin/modkit.js', 'dist/modkit-cli.cjs', 'dist/modkit-cli.cjs.map', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'src/index.ts', 'README.md']) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    expect(readdirSync(installed).filter((f) => f !== 'node_modules').sort()).toEqual(['README.md', 'bin', 'dist', 'package.json', 'src']);
  });

  it('modkit --help', async () => {
    const r = await run(modkitBin, ['--help'], app);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: modkit');
    expect(r.stdout).toContain('migrate');
  });

  it.each(['sqlite', 'postgres'] as const)('modkit migrate --only on %s, from the project’s TypeScript config', async (engine) => {
    const target = await createTarget(engine);
    targets.push(target);
    const r = await run(modkitBin, ['migrate', '--only', '--database-url', target.url], app);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Applied 2 migrations in 1 module');
    expect(await queryTarget(target, 'SELECT key, value FROM settings')).toEqual([{ key: 'currency', value: 'EUR' }]);
    const again = await run(modkitBin, ['migrate', '--only', '--database-url', target.url], app);
    expect(again.stdout).toContain('Nothing to migrate: 1 module up to date');
  });

  it('the library resolves as `modkit` from the project', async () => {
    const r = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('modkit'); console.log(typeof m.migrate, typeof m.defineModule, typeof m.loadProject);"], app);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('function function function');
  });

  it('--verbose stacks name the installed package’s src/ lines', async () => {
    const r = await run(modkitBin, ['graph', '-c', join(app, 'missing.ts'), '--verbose'], app);
    expect(r.code).toBe(2);
    const frame = /at loadConfig \((\/[^:()]+):(\d+):\d+\)/.exec(r.stderr);
    expect(frame, r.stderr).not.toBeNull();
    expect(frame![1]).toBe(join(app, 'node_modules', 'modkit', 'src', 'config', 'load-config.ts'));
    expect(readFileSync(frame![1]!, 'utf8').split('\n')[Number(frame![2]) - 1]).toContain('config file not found');
  });
});
