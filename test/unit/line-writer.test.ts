import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadedLineWriter } from '../../src/cli/line-writer.js';
import { migrationLines } from '../../src/cli/migration-lines.js';
import { Output } from '../../src/cli/output.js';

/**
 * The per-migration lines of a long run wait in a buffer a worker thread writes out on its own
 * timer, so they come out while the main thread is held (a SQLite statement runs on it), and a
 * flush puts what waited before whatever is written after it.
 */
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(): { path: string; fd: number } {
  dir = mkdtempSync(join(tmpdir(), 'modkit-lines-'));
  const path = join(dir, 'out.txt');
  return { path, fd: openSync(path, 'w') };
}

/** Holds this thread (no event loop turn) until `done`, for at most ~10 s. */
function holdThreadUntil(done: () => boolean): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 1000 && !done(); i += 1) Atomics.wait(pause, 0, 0, 10);
}

describe('ThreadedLineWriter', () => {
  it('writes what waits while this thread is held', () => {
    const { path, fd } = file();
    const writer = new ThreadedLineWriter(fd, 20);
    try {
      writer.write('  core  0001_first  3 ms\n');
      expect(statSync(path).size).toBe(0); // it waits
      holdThreadUntil(() => statSync(path).size > 0);
      expect(readFileSync(path, 'utf8')).toBe('  core  0001_first  3 ms\n');
    } finally {
      writer.close();
      closeSync(fd);
    }
  });

  it('flush writes every waiting line in order, before what is written next, past its capacity too', () => {
    const { path, fd } = file();
    const writer = new ThreadedLineWriter(fd, 60_000, 64);
    try {
      const lines = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(i)}\n`);
      for (const line of lines) writer.write(line);
      writer.flush();
      writeSync(fd, 'after\n');
      expect(readFileSync(path, 'utf8')).toBe(`${lines.join('')}after\n`);
    } finally {
      writer.close();
      closeSync(fd);
    }
  });
});

describe('Output.keepLinesFlowing', () => {
  const stream = (fd: number | undefined, isTTY = false) =>
    ({
      fd,
      isTTY,
      write: (text: string) => (fd === undefined ? true : writeSync(fd, text) > 0),
    }) as unknown as NodeJS.WriteStream;

  it('is refused on a terminal, under --json and --quiet, without a descriptor, and where no reader wakes (a file)', () => {
    const { fd } = file();
    try {
      expect(new Output({}, stream(1, true)).keepLinesFlowing()).toBe(false);
      expect(new Output({ json: true }, stream(1)).keepLinesFlowing()).toBe(false);
      expect(new Output({ quiet: true }, stream(1)).keepLinesFlowing()).toBe(false);
      expect(new Output({}, stream(undefined)).keepLinesFlowing()).toBe(false);
      expect(new Output({}, stream(fd)).keepLinesFlowing()).toBe(false);
    } finally {
      closeSync(fd);
    }
  });

  it('starts the worker where stdout is a pipe, and the lines keep their order with every other line', () => {
    // A child whose stdout is a pipe (the built library: `npm test` builds dist/ first).
    const output = join(process.cwd(), 'dist/cli/output.js');
    const script = `
      const { Output } = await import(${JSON.stringify(output)});
      const out = new Output({});
      out.lineSoon('before');
      process.stderr.write(String(out.keepLinesFlowing()));
      out.lineSoon('a');
      out.lineSoon('b');
      out.line('summary');
      out.lineSoon('c');
      process.exit(0); // what waits is written at exit`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('true');
    expect(child.stdout).toBe('before\na\nb\nsummary\nc\n');
  });

  it('without the worker (a file), soon lines wait for a timer and keep their order', () => {
    const { path, fd } = file();
    const output = new Output({}, stream(fd));
    try {
      output.lineSoon('a');
      output.lineSoon('b');
      expect(statSync(path).size).toBe(0);
      output.line('summary');
      output.lineSoon('c');
      output.flush();
      expect(readFileSync(path, 'utf8')).toBe('a\nb\nsummary\nc\n');
    } finally {
      closeSync(fd);
    }
  });
});

describe('migrationLines: when the lines that wait go out', () => {
  const start = (format: 'sql' | 'script', blocksThread: boolean, total: number) =>
    ({ type: 'migration-start', module: 'core', id: '0001_a', format, blocksThread, index: 1, total }) as const;

  function recorder(flowing: boolean) {
    const calls: string[] = [];
    const output = {
      flush: () => calls.push('flush'),
      keepLinesFlowing: () => (calls.push('keepLinesFlowing'), flowing),
      clearProgress: () => undefined,
      lineSoon: (text: string) => calls.push(`soon ${text.trim()}`),
    } as unknown as Output;
    return { output, calls };
  }
  const modules = [{ name: 'core', migrations: [{ id: '0001_a' }] }] as never;

  it('before a script (it may print), and before a migration that holds the thread in a short run', () => {
    const { output, calls } = recorder(true);
    const lines = migrationLines(output, modules);
    lines.onEvent(start('script', false, 3));
    lines.onEvent(start('sql', true, 199));
    lines.onEvent(start('sql', false, 1000)); // another thread's engine: its timer writes them
    expect(calls).toEqual(['flush', 'flush']);
  });

  it('in a long run that holds the thread, a worker thread writes them: no flush before each', () => {
    const { output, calls } = recorder(true);
    migrationLines(output, modules).onEvent(start('sql', true, 200));
    expect(calls).toEqual(['keepLinesFlowing']);
    const refused = recorder(false); // a terminal, --json, --quiet: flushed as in a short run
    migrationLines(refused.output, modules).onEvent(start('sql', true, 200));
    expect(refused.calls).toEqual(['keepLinesFlowing', 'flush']);
  });
});
