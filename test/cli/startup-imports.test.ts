import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createFixtureProject } from '../support/project-fixture.js';
import { BIN } from '../support/run-cli.js';
import { createTarget } from '../support/engines.js';

const PRELOAD = fileURLToPath(new URL('../support/record-loaded-modules.mjs', import.meta.url));
const DRIVERS = ['pg', 'better-sqlite3', 'mysql2', 'knex'] as const;

/**
 * Commands that need no database must never load a driver or knex (SPEC: start-up).
 * Adding a command here is one line.
 */
const NO_DATABASE_COMMANDS: readonly (readonly string[])[] = [
  ['--help'],
  ['--version'],
  ['migrate', '--help'],
  ['plan', '--help'],
  ['status', '--help'],
  ['lint', '--help'],
];

/** PostgreSQL's parser (WebAssembly, ~150 ms to load): only commands that lint something load it. */
const PARSER = 'libpg-query';

const scratch = mkdtempSync(join(tmpdir(), 'modkit-startup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI and returns the packages it loaded (the name after the last node_modules/). */
function loadedPackages(args: readonly string[], cwd = scratch): Set<string> {
  const file = join(scratch, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  const run = spawnSync(process.execPath, ['--import', PRELOAD, BIN, ...args], {
    cwd,
    env: { ...process.env, MODKIT_LOADED_MODULES_FILE: file, MODKIT_DATABASE_URL: undefined },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  const packages = new Set<string>();
  for (const path of readFileSync(file, 'utf8').split('\n')) {
    const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*node_modules)/.exec(path);
    if (match) packages.add(match[1]!.replace('\\', '/'));
  }
  return packages;
}

/** Runs the CLI and returns Node's `process.moduleLoadList` at its exit (builtins and bindings, `NativeModule x`). */
function nodeModulesLoaded(args: readonly string[]): string[] {
  const report =
    'process.on("exit", () => process.stderr.write(`\\nmodules=${JSON.stringify(process.moduleLoadList)}\\n`));';
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(report)}`, BIN, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, MODKIT_DATABASE_URL: undefined },
    },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(/^modules=(.*)$/m.exec(result.stderr)?.[1] ?? '[]') as string[];
}

describe('start-up', () => {
  it.each(NO_DATABASE_COMMANDS.map((args) => [args.join(' '), args] as const))(
    '`modkit %s` loads no driver and no knex',
    (_name, args) => {
      const loaded = loadedPackages(args);
      for (const driver of DRIVERS) expect(loaded.has(driver), `${driver} was loaded`).toBe(false);
      expect(loaded.has(PARSER), `${PARSER} was loaded`).toBe(false);
    },
  );

  it('migrate loads the SQL parser only for a pending file that needs it: not for plain CREATE TABLEs, not in a no-op', async () => {
    const target = await createTarget('postgres');
    const project = await createFixtureProject([
      {
        name: 'core',
        system: true,
        migrations: {
          '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);',
          '0002_b.sql':
            '-- plain: the lint parses it without the parser (src/lint/plain-sql)\nCREATE TABLE b (id BIGINT NOT NULL, name VARCHAR(100) UNIQUE);\n',
        },
      },
    ]);
    try {
      const args = ['migrate', '--only', '-c', project.configPath, '--database-url', target.url];
      expect(loadedPackages(args).has(PARSER), `plain CREATE TABLEs loaded ${PARSER}`).toBe(false);
      await project.write('modules/core/migrations/0003_c.sql', 'CREATE INDEX b_name ON b (name);\n');
      expect(loadedPackages(args).has(PARSER), 'a pending CREATE INDEX is linted by the parser').toBe(true);
      const noop = loadedPackages(args);
      expect(noop.has(PARSER), `a no-op migrate loaded ${PARSER}`).toBe(false);
      expect(noop.has('pg')).toBe(true);
    } finally {
      await project.cleanup();
      await target.dispose();
    }
  });

  it("a PostgreSQL run does not load Node's fetch implementation (pg's Cloudflare probe touches `Response`)", async () => {
    const target = await createTarget('postgres');
    const project = await createFixtureProject([
      { name: 'core', system: true, migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);' } },
    ]);
    // Node 20 has no `navigator`: pg then asks `typeof Response`, and that lazy global loads undici.
    try {
      const args = ['migrate', '--only', '-c', project.configPath, '--database-url', target.url];
      for (const run of ['apply', 'no-op']) {
        expect(
          nodeModulesLoaded(args).some((m) => m.includes('undici')),
          `${run} loaded undici`,
        ).toBe(false);
      }
    } finally {
      await project.cleanup();
      await target.dispose();
    }
  });

  it('the transaction-control check loads the parser only for a file with a candidate statement, with --no-lint too', async () => {
    const target = await createTarget('postgres');
    const project = await createFixtureProject([
      {
        name: 'core',
        system: true,
        migrations: { '0001_a.sql': "CREATE TABLE a (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'the end');" },
      },
    ]);
    try {
      const args = ['migrate', '--only', '--no-lint', '-c', project.configPath, '--database-url', target.url];
      expect(loadedPackages(args).has(PARSER), `a --no-lint migrate of an ordinary file loaded ${PARSER}`).toBe(false);
      await project.write('modules/core/migrations/0002_b.sql', 'CREATE TABLE b (id INTEGER);\nCOMMIT;\n');
      const env = {
        ...process.env,
        MODKIT_LOADED_MODULES_FILE: join(scratch, 'candidate.txt'),
        MODKIT_DATABASE_URL: undefined,
      };
      const candidate = spawnSync(process.execPath, ['--import', PRELOAD, BIN, ...args], { encoding: 'utf8', env });
      expect(candidate.status, 'a top-level COMMIT, confirmed by the parser: refused').toBe(4);
      expect(readFileSync(join(scratch, 'candidate.txt'), 'utf8')).toContain(PARSER);
    } finally {
      await project.cleanup();
      await target.dispose();
    }
  });

  it('the check sees a driver when a command does load one (control)', async () => {
    const project = await createFixtureProject([
      { name: 'core', system: true, migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);' } },
    ]);
    try {
      const loaded = loadedPackages([
        'migrate',
        '--only',
        '-c',
        project.configPath,
        '--database-url',
        `sqlite:${join(project.dir, 'db.sqlite')}`,
      ]);
      expect(loaded.has('better-sqlite3')).toBe(true);
      expect(loaded.has('knex')).toBe(false);
      // Only the engine of the URL: the other drivers stay unloaded.
      expect(loaded.has('mysql2')).toBe(false);
      expect(loaded.has('pg')).toBe(false);
    } finally {
      await project.cleanup();
    }
  });

  it("`migrate --only` loads none of Node's modules only the full lifecycle or a wait needs (child processes, readline, perf_hooks, timers/promises)", async () => {
    const project = await createFixtureProject([
      { name: 'core', system: true, migrations: { '0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);' } },
    ]);
    try {
      const args = [
        'migrate',
        '--only',
        '-c',
        project.configPath,
        '--database-url',
        `sqlite:${join(project.dir, 'db.sqlite')}`,
      ];
      for (const run of ['apply', 'no-op']) {
        const builtins = new Set(nodeModulesLoaded(args).map((m) => m.replace(/^NativeModule /, '')));
        expect(builtins.has('crypto'), `${run}: the control (checksums load crypto)`).toBe(true);
        for (const name of ['child_process', 'readline', 'perf_hooks', 'timers/promises'])
          expect(builtins.has(name), `${run} loaded ${name}`).toBe(false);
      }
    } finally {
      await project.cleanup();
    }
  });
});
