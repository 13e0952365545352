import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationLines } from '../../src/cli/migration-lines.js';
import { LINES_WAIT_MS, Output } from '../../src/cli/output.js';

/**
 * A migration's line may wait up to LINES_WAIT_MS to be written with the lines after it (each write
 * to a pipe wakes its reader); nothing modkit prints ever comes out of order with it, and it is
 * written before code that may print and before a migration that holds the thread.
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

const stream = (fd: number, isTTY = false) =>
  ({ fd, isTTY, write: (text: string) => writeSync(fd, text) > 0 }) as unknown as NodeJS.WriteStream;

describe('Output.lineSoon', () => {
  it('waits, and whatever else is written (a line, a warning) writes the waiting lines first', () => {
    const out = file();
    const err = file();
    const output = new Output({}, stream(out.fd), stream(err.fd));
    try {
      output.lineSoon('a');
      output.lineSoon('b');
      expect(statSync(out.path).size).toBe(0);
      output.warn('careful');
      expect(readFileSync(out.path, 'utf8')).toBe('a\nb\n');
      output.lineSoon('c');
      output.line('summary');
      expect(readFileSync(out.path, 'utf8')).toBe('a\nb\nc\nsummary\n');
      expect(readFileSync(err.path, 'utf8')).toBe('warning: careful\n');
    } finally {
      output.flush();
      closeSync(out.fd);
      closeSync(err.fd);
    }
  });

  it('is written by its timer', async () => {
    const { path, fd } = file();
    const output = new Output({}, stream(fd));
    try {
      output.lineSoon('a');
      // A timer of twice the wait, set after the line's: Node runs the line's first.
      await new Promise((resolve) => setTimeout(resolve, LINES_WAIT_MS * 2));
      expect(readFileSync(path, 'utf8')).toBe('a\n');
    } finally {
      closeSync(fd);
    }
  });

  it('is a line on a terminal, and under --json and --quiet as before', () => {
    const { path, fd } = file();
    try {
      new Output({}, stream(fd, true)).lineSoon('tty');
      new Output({ quiet: true }, stream(fd)).lineSoon('quiet');
      expect(readFileSync(path, 'utf8')).toBe('tty\n');
      const err = file();
      new Output({ json: true }, stream(fd), stream(err.fd)).lineSoon('json');
      expect(readFileSync(err.path, 'utf8')).toBe('json\n');
      closeSync(err.fd);
    } finally {
      closeSync(fd);
    }
  });

  it('process.exit writes what waits, before other exit listeners write', () => {
    // A child whose stdout is a pipe (the built library: `npm test` builds dist/ first).
    const output = join(process.cwd(), 'dist/cli/output.js');
    const script = `
      process.on('exit', () => process.stdout.write('guard\\n'));
      const { Output } = await import(${JSON.stringify(output)});
      const out = new Output({});
      out.lineSoon('a');
      out.lineSoon('b');
      process.exit(0);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stdout).toBe('a\nb\nguard\n');
  });
});

describe('migrationLines: when the lines that wait go out', () => {
  const start = (format: 'sql' | 'script', blocksThread: boolean) =>
    ({ type: 'migration-start', module: 'core', id: '0001_a', format, blocksThread, index: 1, total: 9 }) as const;

  it('before a script (it may print) and before a migration that holds the thread; not before others', () => {
    const calls: string[] = [];
    const output = {
      flush: () => calls.push('flush'),
      clearProgress: () => undefined,
      lineSoon: (text: string) => calls.push(`soon ${text.trim().split(/\s+/)[1]}`),
    } as unknown as Output;
    const lines = migrationLines(output, [{ name: 'core', migrations: [{ id: '0001_a' }] }] as never);
    lines.onEvent(start('sql', false)); // another thread's engine: the timer writes its lines
    lines.onEvent({
      type: 'migration-done',
      result: { module: 'core', id: '0001_a', direction: 'up', status: 'applied', durationMs: 3 },
      index: 1,
      total: 9,
    });
    lines.onEvent(start('script', false));
    lines.onEvent(start('sql', true));
    expect(calls).toEqual(['soon 0001_a', 'flush', 'flush']);
  });

  it('writes the line of a migration that held the thread at once: nothing could write it later', () => {
    const calls: string[] = [];
    const output = {
      flush: () => calls.push('flush'),
      clearProgress: () => undefined,
      line: (text: string) => calls.push(`line ${text.trim().split(/\s+/)[1]}`),
      lineSoon: (text: string) => calls.push(`soon ${text.trim().split(/\s+/)[1]}`),
    } as unknown as Output;
    const lines = migrationLines(output, [{ name: 'core', migrations: [{ id: '0001_a' }] }] as never);
    lines.onEvent(start('sql', true));
    lines.onEvent({
      type: 'migration-done',
      result: { module: 'core', id: '0001_a', direction: 'up', status: 'applied', durationMs: 3 },
      index: 1,
      total: 9,
    });
    expect(calls).toEqual(['flush', 'line 0001_a']);
  });
});
