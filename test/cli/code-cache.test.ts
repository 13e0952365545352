import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installCopy, REPO } from '../support/install-copy.js';
import { BIN } from '../support/run-cli.js';

const PRELOAD = fileURLToPath(new URL('../support/record-code-cache.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'modkit-code-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Compiled {
  readonly filename: string;
  readonly given: boolean;
  readonly rejected: boolean | null;
}

/** Runs `bin` with `args` and returns how it compiled the bundle, and the run itself. */
function compile(bin: string, args: readonly string[]) {
  const report = join(scratch, `report-${Math.random().toString(36).slice(2)}.json`);
  const run = spawnSync(process.execPath, ['--import', PRELOAD, bin, ...args], {
    env: { ...process.env, MODKIT_CODE_CACHE_REPORT: report, MODKIT_DATABASE_URL: undefined },
    encoding: 'utf8',
  });
  return { compiled: JSON.parse(readFileSync(report, 'utf8')) as Compiled, run };
}

/**
 * The build (scripts/build-cli.mjs) ships a V8 code cache with the CLI bundle; bin/modkit.js hands
 * it to V8. A cache V8 rejects silently loses the start-up it exists for; a cache used for a
 * bundle it was not made from would run stale code.
 */
describe('CLI code cache', () => {
  it('the CLI compiles its bundle with the cache the build made, and V8 accepts it', () => {
    const { compiled, run } = compile(BIN, ['--version']);
    expect(run.status, run.stderr).toBe(0);
    expect(compiled).toEqual({ filename: 'modkit/dist/modkit-cli.cjs', given: true, rejected: false });
  });

  it('the cache fits wherever the package is installed, and stack traces name the bundle, not the build machine', () => {
    const copy = installCopy(scratch);
    const { compiled, run } = compile(copy.bin, ['graph', '-c', join(scratch, 'missing.mjs'), '--verbose']);
    expect(compiled).toMatchObject({ given: true, rejected: false });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('at loadConfig (modkit/dist/modkit-cli.cjs:');
    expect(run.stderr).not.toContain(REPO);
  });

  it('a bundle edited after its build (newer than its cache) runs without the cache', () => {
    const copy = installCopy(scratch);
    const later = new Date(Date.now() + 60_000);
    utimesSync(copy.bundle, later, later);
    const { compiled, run } = compile(copy.bin, ['--version']);
    expect(run.status, run.stderr).toBe(0);
    expect(compiled).toMatchObject({ given: false });
  });
});
