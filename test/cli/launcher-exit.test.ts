import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../support/install-copy.js';

/**
 * Issue 15 #7: `npx modkit run` / `npm start` run modkit through `sh -c`. A deploy's stop sends
 * SIGTERM to npm, which passes it to the shell only: the shell dies, npm exits 143, and modkit was
 * left running, its modules never stopped. Real processes here: a project where `modkit` is
 * installed (linked to this checkout), started through the real npx / npm, whose process gets
 * SIGTERM or SIGKILL. The test waits for what the module's stop() writes, never for a time.
 */
const dirs: string[] = [];
const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function createApp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modkit-launcher-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(REPO, join(dir, 'node_modules', 'modkit'), 'dir');
  symlinkSync(join('..', 'modkit', 'bin', 'modkit.js'), join(dir, 'node_modules', '.bin', 'modkit'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'app', private: true, scripts: { start: 'modkit run --database-url sqlite:./app.sqlite' } }),
  );
  writeFileSync(join(dir, 'modkit.config.mjs'), "export default { modules: ['modules/*/module.mjs'] };\n");
  mkdirSync(join(dir, 'modules', 'svc'), { recursive: true });
  writeFileSync(
    join(dir, 'modules', 'svc', 'module.mjs'),
    `import { writeFileSync } from 'node:fs';
export default {
  name: 'svc',
  start() { writeFileSync(${JSON.stringify(join(dir, 'started'))}, String(process.pid)); },
  stop() { writeFileSync(${JSON.stringify(join(dir, 'stopped'))}, 'stopped by stop()'); },
};
`,
  );
  return dir;
}

/** Alive and not a zombie (an orphan's zombie may wait for a reaper that never comes). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls for observable state; the limit is a safety net against a hang, not an assertion on time. */
async function until(what: string, check: () => boolean, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(
  command: string,
  args: readonly string[],
  cwd: string,
): { child: ChildProcess; output: () => string; closed: Promise<void> } {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, MODKIT_DATABASE_URL: '', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  // 'close' waits for every writer of the pipes: npm, and modkit, which inherited them.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, output: () => output, closed };
}

describe('the package runner that started `modkit run` goes away', () => {
  it.each([
    ['npx modkit run', 'SIGTERM', 'npx', ['modkit', 'run', '--database-url', 'sqlite:./app.sqlite']],
    ['npx modkit run', 'SIGKILL', 'npx', ['modkit', 'run', '--database-url', 'sqlite:./app.sqlite']],
    ['npm start', 'SIGTERM', 'npm', ['start']],
  ] as const)('%s, npm gets %s: the modules stop gracefully and modkit exits', async (_name, signal, command, args) => {
    const dir = createApp();
    const run = start(command, args, dir);
    // Running, not just started: a signal between the last start and `running` is an interrupted start (exit 130).
    await until(
      'the module to start',
      () => existsSync(join(dir, 'started')) && run.output().includes('[modkit] running'),
    );
    const pid = Number(readFileSync(join(dir, 'started'), 'utf8'));
    strays.push(pid);
    expect(pid).not.toBe(run.child.pid); // modkit runs below npm, not as npm
    run.child.kill(signal);
    await until('stop() of the module', () => existsSync(join(dir, 'stopped')));
    await until('modkit to exit', () => !isRunning(pid));
    await run.closed;
    expect(run.output()).toMatch(
      /warning: (its parent process|the package runner) \(pid \d+\), which started modkit, exited; stopping as on SIGTERM/,
    );
    expect(run.output()).toContain('[stop] svc stopped');
    expect(run.output()).toContain('[modkit] stopped');
  });
});
