import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/install-copy.js';
import { BIN } from '../support/run-cli.js';

const COMPILE_CACHE_PRELOAD = fileURLToPath(new URL('../support/record-compile-cache.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'modkit-source-maps-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Frame {
  readonly fn: string;
  readonly file: string;
  readonly line: number;
}

/** The `at fn (file:line:col)` frames of a stack trace. */
function framesOf(stack: string): Frame[] {
  return [...stack.matchAll(/^\s+at (?:async )?(\S+) \((?:file:\/\/)?(\/[^:()]+):(\d+):\d+\)$/gm)].map((m) => ({
    fn: m[1]!,
    file: m[2]!,
    line: Number(m[3]),
  }));
}

/** The text of a line of a file (1-based), or undefined when the file has no such line. */
function lineOf(file: string, line: number): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n')[line - 1] : undefined;
}

/**
 * Issue 15 #8: a stack printed under --verbose names real files and lines (the CLI bundle's and the
 * library's source maps point at src/, which the package ships), and nothing of the CLI's start-up
 * leaks into programs that use modkit as a library.
 */
describe('source maps and start-up', () => {
  it('--verbose prints a stack whose frames name src/*.ts lines that exist, the throwing line first', () => {
    const missing = join(scratch, 'missing.mjs');
    const run = spawnSync(process.execPath, [BIN, 'graph', '-c', missing, '--verbose'], {
      encoding: 'utf8',
      env: { ...process.env, MODKIT_DATABASE_URL: '' },
    });
    expect(run.status).toBe(2);
    const frames = framesOf(run.stderr).filter((f) => f.file.startsWith(join(REPO, 'src')));
    expect(frames.length, run.stderr).toBeGreaterThan(2);
    for (const f of frames) expect(lineOf(f.file, f.line), `${f.file}:${f.line}`).toBeDefined();
    const top = frames[0]!;
    expect(top).toMatchObject({ fn: 'loadConfig', file: join(REPO, 'src/config/load-config.ts') });
    expect(lineOf(top.file, top.line)).toContain('config file not found');
    expect(run.stderr).not.toContain('modkit-cli.cjs');
  });

  it('without --verbose the error is one paragraph, no stack', () => {
    const run = spawnSync(process.execPath, [BIN, 'graph', '-c', join(scratch, 'missing.mjs')], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: config file not found: /);
    expect(framesOf(run.stderr)).toEqual([]);
  });

  it('the library (dist/) maps to src/ for a program run with --enable-source-maps', () => {
    const index = pathToFileURL(join(REPO, 'dist/index.js')).href;
    const script = `import(${JSON.stringify(index)}).then((m) => m.loadProject({ configPath: ${JSON.stringify(join(scratch, 'missing.mjs'))} })).catch((e) => console.log(e.stack));`;
    const run = spawnSync(process.execPath, ['--enable-source-maps', '-e', script], { encoding: 'utf8' });
    const top = framesOf(run.stdout)[0];
    expect(top, run.stdout + run.stderr).toMatchObject({
      fn: 'loadConfig',
      file: join(REPO, 'src/config/load-config.ts'),
    });
    expect(lineOf(top!.file, top!.line)).toContain('config file not found');
  });

  it('importing the library changes no global of the program', () => {
    const index = pathToFileURL(join(REPO, 'dist/index.js')).href;
    const script = `
      const snapshot = () => Object.getOwnPropertyNames(globalThis).sort().join(',');
      const before = snapshot();
      const m = await import(${JSON.stringify(index)});
      console.log(JSON.stringify({ same: snapshot() === before, keys: Object.keys(await import(${JSON.stringify(pathToFileURL(join(REPO, 'dist/util/dynamic-import.js')).href)})) }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(run.stdout), run.stderr).toEqual({ same: true, keys: ['dynamicImport'] });
  });

  it('a checkout that was never built says how to build it (exit 2), not a Node stack', () => {
    const unbuilt = join(scratch, 'unbuilt');
    cpSync(join(REPO, 'bin'), join(unbuilt, 'bin'), { recursive: true });
    cpSync(join(REPO, 'package.json'), join(unbuilt, 'package.json'));
    const run = spawnSync(process.execPath, [join(unbuilt, 'bin', 'modkit.js'), '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `error: modkit is not built: ${join(unbuilt, 'dist', 'modkit-cli.cjs')} is missing. In a clone of modkit, run \`npm install\` (its prepare script builds dist/) or \`npm run build\`; an installed package ships dist/ already.\n`,
    );
  });

  it('asks for Node’s compile cache where the release has one, and runs without it where not', () => {
    const report = join(scratch, 'compile-cache.json');
    const run = spawnSync(process.execPath, ['--import', COMPILE_CACHE_PRELOAD, BIN, '--version'], {
      encoding: 'utf8',
      env: { ...process.env, MODKIT_COMPILE_CACHE_REPORT: report },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({ called: true, args: [] });
    // This machine's Node may have no compile cache at all (Node 20): the plain run is the fallback.
    const plain = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
  });
});
