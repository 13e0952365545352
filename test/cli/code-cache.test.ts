import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import module from 'node:module';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installCopy, REPO } from '../support/install-copy.js';
import { BIN } from '../support/run-cli.js';

const RECORD = fileURLToPath(new URL('../support/record-code-cache.mjs', import.meta.url));
const BUNDLE = join(REPO, 'dist', 'modkit-cli.cjs');
const CACHE = join(REPO, 'dist', 'modkit-cli.cache');
const scratch = mkdtempSync(join(tmpdir(), 'modkit-code-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Compiled {
  readonly filename: string;
  readonly cachedBytes: number;
  readonly rejected: boolean | null;
}

/** A SQLite project of one module, its config and module file loaded through import(). */
function project(): { config: string; url: string } {
  const dir = mkdtempSync(join(scratch, 'project-'));
  mkdirSync(join(dir, 'modules', 'notes', 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'modkit.config.mjs'), "export default { modules: ['modules/*/module.mjs'] };\n");
  writeFileSync(
    join(dir, 'modules', 'notes', 'module.mjs'),
    "export default { name: 'notes', deps: [], migrations: './migrations' };\n",
  );
  writeFileSync(join(dir, 'modules', 'notes', 'migrations', '0001_notes.up.sql'), 'CREATE TABLE notes (id INTEGER);\n');
  return { config: join(dir, 'modkit.config.mjs'), url: `sqlite:${join(dir, 'app.sqlite')}` };
}

/** Runs the CLI `bin` with the preload that records every vm.Script; returns the run and what was compiled. */
function run(
  bin: string,
  args: readonly string[],
): { status: number | null; stdout: string; stderr: string; compiled: Compiled[] } {
  const report = join(mkdtempSync(join(scratch, 'report-')), 'compiled.jsonl');
  const result = spawnSync(process.execPath, ['--import', RECORD, bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MODKIT_CODE_CACHE_REPORT: report },
  });
  const compiled = existsSync(report)
    ? readFileSync(report, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Compiled)
    : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, compiled };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The repo's cache: its first line and its V8 data. */
function repoCache(): { line: string; data: Buffer } {
  const bytes = readFileSync(CACHE);
  const end = bytes.indexOf(10);
  return { line: bytes.subarray(0, end).toString(), data: bytes.subarray(end + 1) };
}

/** Gives the copy's bundle a cache made for it: the repo's V8 data under a header naming the copy's bundle as it is. */
function cacheFor(bundle: string, data = repoCache().data): void {
  const header = `modkit-code-cache ${JSON.stringify({ bundle, sha256: sha256(readFileSync(bundle)) })} ${sha256(data)}\n`;
  writeFileSync(bundle.replace(/\.cjs$/, '.cache'), Buffer.concat([Buffer.from(header), data]));
}

/** A copy of the CLI elsewhere that can load drivers (node_modules linked). */
function copyWithDrivers(): { bin: string; bundle: string } {
  const copy = installCopy(scratch);
  symlinkSync(join(REPO, 'node_modules'), join(copy.bin, '..', '..', 'node_modules'), 'dir');
  return copy;
}

// Node >= 22.1 has a compile cache of its own (bin/modkit.js asks for it: test/cli/source-maps.test.ts).
const nodeHasCompileCache = 'enableCompileCache' in module;

describe.skipIf(nodeHasCompileCache)('the CLI code cache (Node < 22.1, issue 25)', () => {
  it('the build trained a cache for this very bundle, and a run is compiled from it with V8 accepting it', () => {
    const { line, data } = repoCache();
    expect(line).toBe(
      `modkit-code-cache ${JSON.stringify({ bundle: BUNDLE, sha256: sha256(readFileSync(BUNDLE)) })} ${sha256(data)}`,
    );

    const { config, url } = project();
    const applied = run(BIN, ['migrate', '--only', '-c', config, '--database-url', url]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('0001_notes');
    // One compile of the bundle, under its real name (V8 keeps the name a cache was made with).
    expect(applied.compiled).toEqual([{ filename: BUNDLE, cachedBytes: data.length, rejected: false }]);
    const noop = run(BIN, ['migrate', '--only', '-c', config, '--database-url', url]);
    expect(noop.status, noop.stderr).toBe(0);
    expect(noop.stdout).toContain('Nothing to migrate');
    expect(noop.compiled).toMatchObject([{ filename: BUNDLE, rejected: false }]);
  });

  it('is not used for a bundle elsewhere (the cache names another file), once the bundle changed, or when damaged; the run is the same', () => {
    const copy = copyWithDrivers();
    const { config, url } = project();
    const elsewhere = run(copy.bin, ['migrate', '--only', '-c', config, '--database-url', url]);
    expect(elsewhere.status, elsewhere.stderr).toBe(0);
    expect(elsewhere.compiled).toEqual([]); // a plain require

    cacheFor(copy.bundle);
    const fitting = run(copy.bin, ['migrate', '--only', '-c', config, '--database-url', url]);
    expect(fitting.status, fitting.stderr).toBe(0);
    expect(fitting.compiled).toMatchObject([{ filename: copy.bundle, rejected: false }]);

    // A damaged cache, its header intact (V8 does not check the data: a flipped byte can crash it).
    const cacheFile = copy.bundle.replace(/\.cjs$/, '.cache');
    const flipped = readFileSync(cacheFile);
    flipped[flipped.length - 100]! ^= 0xff;
    writeFileSync(cacheFile, flipped);
    const afterDamage = run(copy.bin, ['migrate', '--only', '-c', config, '--database-url', url]);
    expect(afterDamage.status, afterDamage.stderr).toBe(0);
    expect(afterDamage.compiled).toEqual([]);

    // An edit that keeps the bundle's length and mtime (V8 checks only the length): compiled as usual.
    cacheFor(copy.bundle);
    const { mtime } = statSync(copy.bundle);
    const text = readFileSync(copy.bundle, 'utf8');
    writeFileSync(copy.bundle, text.replace('Migrate the database', 'Migrate THE database'));
    utimesSync(copy.bundle, mtime, mtime);
    const edited = run(copy.bin, ['--help']);
    expect(edited.status, edited.stderr).toBe(0);
    expect(edited.stdout).toContain('Migrate THE database');
    expect(edited.compiled).toEqual([]);
  });

  it('--verbose requires the bundle as usual, so its source map applies', () => {
    const { config, url } = project();
    const verbose = run(BIN, ['status', '-c', config, '--database-url', url, '--verbose']);
    expect(verbose.status, verbose.stderr).toBe(0);
    expect(verbose.compiled).toEqual([]);
  });
});
