import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** How a child ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all. */
  readonly error?: string;
}

/** What a child says: its ready line, other JSON lines (events), and plain lines (its log). */
export interface ChildListener {
  onReady(): void;
  onEvent(event: Readonly<Record<string, unknown>>): void;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

export interface ChildSpec {
  /** The program, resolved ({@link resolveCommand}). */
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** How many of a child's last stderr lines are kept for error messages. */
const STDERR_TAIL = 10;
/** How long after its exit a child's output may still be read (a grandchild may hold the pipes open). */
const OUTPUT_DRAIN_MS = 500;

/** Process groups are a POSIX thing: on Windows a child is signalled alone. */
const GROUPS = process.platform !== 'win32';

/** Children alive now: killed when this process exits, whatever the way (library users included). */
const live = new Set<Child>();
let exitHookInstalled = false;

/**
 * One spawned program. It runs in a process group of its own, so that a terminal's Ctrl+C does
 * not reach it before its turn in the stop order, and so that stopping it reaches what it started
 * (a shell script's commands). On Linux it runs under `setpriv --pdeathsig KILL` when available: the
 * kernel kills it when modkit dies, even by SIGKILL. Everywhere, modkit kills it when it exits.
 */
export class Child {
  readonly pid: number;
  /** Resolves when the program exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  /** The last lines it wrote to stderr. */
  readonly stderrTail: string[] = [];
  private exit: ChildExit | undefined;

  private constructor(child: ChildProcess, listener: ChildListener) {
    this.pid = child.pid ?? -1;
    let ready = false;
    const onStdout = (line: string) => {
      const event = jsonObject(line);
      if (!event) return listener.onLine('stdout', line);
      if (!ready && event.event === 'ready') {
        ready = true;
        return listener.onReady();
      }
      listener.onEvent(event);
    };
    const onStderr = (line: string) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
      listener.onLine('stderr', line);
    };
    const outputs = [read(child.stdout, onStdout), read(child.stderr, onStderr)];
    this.exited = new Promise<ChildExit>((resolve) => {
      const finish = (exit: ChildExit) => {
        if (this.exit) return;
        this.exit = exit;
        live.delete(this);
        // Output written just before the exit is still in the pipes: read it first (bounded).
        const drained = Promise.all(outputs);
        const bound = new Promise((r) => setTimeout(r, OUTPUT_DRAIN_MS).unref());
        void Promise.race([drained, bound]).then(() => resolve(exit));
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      child.once('error', (error) => finish({ code: null, signal: null, error: error.message }));
    });
  }

  static spawn(spec: ChildSpec, listener: ChildListener): Child {
    const [program, args] = withDeathSignal(spec.program, spec.args);
    const child = spawn(program, args, {
      cwd: spec.cwd,
      env: spec.env,
      // stdin stays open and silent: a child may read it to learn that modkit is gone (EOF).
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: GROUPS,
    });
    child.stdin?.on('error', () => undefined);
    const handle = new Child(child, listener);
    if (child.pid !== undefined) {
      live.add(handle);
      installExitHook();
    }
    return handle;
  }

  get alive(): boolean {
    return this.exit === undefined && this.pid > 0;
  }

  /** How it exited, once it did. */
  get exitStatus(): ChildExit | undefined {
    return this.exit;
  }

  /** Signals its whole process group (what is already gone is ignored). */
  signal(signal: NodeJS.Signals): void {
    if (this.pid <= 0) return;
    try {
      process.kill(GROUPS ? -this.pid : this.pid, signal);
    } catch {
      // ESRCH: the group is gone.
    }
  }

  /**
   * SIGTERM, then SIGKILL when it has not exited after `deadlineMs`; then whatever is left of its
   * process group gets SIGKILL too. `killed`: SIGKILL was needed.
   */
  async terminate(deadlineMs: number): Promise<{ readonly exit: ChildExit; readonly killed: boolean }> {
    let killed = false;
    if (this.alive) {
      this.signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<'overdue'>((r) => (timer = setTimeout(() => r('overdue'), deadlineMs)));
      const first = await Promise.race([this.exited, overdue]);
      clearTimeout(timer);
      if (first === 'overdue') {
        killed = true;
        this.signal('SIGKILL');
      }
    }
    const exit = await this.exited;
    this.signal('SIGKILL');
    return { exit, killed };
  }
}

/** Lines of a stream; resolves when it ends. */
function read(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() !== '') onLine(line);
  });
  return new Promise((resolve) => lines.once('close', resolve));
}

function jsonObject(line: string): Record<string, unknown> | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    return isObject ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.signal('SIGKILL');
  });
}

let deathSignal: string | null | undefined;

/**
 * `setpriv --pdeathsig KILL -- program args` on Linux when `setpriv` (util-linux ≥ 2.33) can do
 * it, else the program as is. Asked once per process.
 */
function withDeathSignal(program: string, args: readonly string[]): [string, string[]] {
  if (deathSignal === undefined) deathSignal = findDeathSignalWrapper();
  return deathSignal ? [deathSignal, ['--pdeathsig', 'KILL', '--', program, ...args]] : [program, [...args]];
}

function findDeathSignalWrapper(): string | null {
  if (process.platform !== 'linux') return null;
  const setpriv = searchPath('setpriv', process.env.PATH);
  if (!setpriv) return null;
  const probe = spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', process.execPath, '-e', ''], { stdio: 'ignore' });
  return probe.status === 0 ? setpriv : null;
}

/**
 * The program a `command` names: a path (relative to `cwd`) when it has a slash, else the first
 * executable of that name on the child's PATH. Undefined when there is none.
 */
export function resolveCommand(command: string, cwd: string, path: string | undefined): string | undefined {
  if (command.includes('/') || (process.platform === 'win32' && command.includes('\\'))) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    return executable(full) ? full : undefined;
  }
  // Windows finds `python` as python.exe through PATHEXT: leave that to the system there.
  return searchPath(command, path) ?? (process.platform === 'win32' ? command : undefined);
}

function searchPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    if (executable(full)) return full;
  }
  return undefined;
}

function executable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
