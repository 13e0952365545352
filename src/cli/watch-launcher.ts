import { readFileSync } from 'node:fs';

/**
 * Notices that the package runner which started modkit went away, so that a deploy's stop reaches
 * the application's modules however modkit was started.
 *
 * `npx modkit run` (and `npm start`, yarn, pnpm) runs modkit through `sh -c`: on SIGTERM npm
 * forwards the signal to that shell, which dies without passing it on, and npm exits (143) while
 * modkit keeps running, orphaned, its modules never stopped. So when the environment says a package
 * runner started modkit (npm sets `npm_config_user_agent` / `npm_execpath` for what it runs), the
 * CLI watches its ancestry up to the runner: its parent, and the parent's parent when the parent
 * is the runner's shell. When either goes (SIGTERM or SIGKILL), `onGone` is called once, and the CLI
 * stops as on SIGTERM.
 *
 * Started any other way (`node …/modkit.js`, systemd, a container's PID 1, `nohup … &`), a parent
 * that exits is left alone: a deliberately detached modkit keeps running.
 *
 * Returns a function that ends the watch, or undefined when nothing is watched.
 */
export function watchLauncher(
  onGone: (what: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  intervalMs = 250,
): (() => void) | undefined {
  if (!env.npm_config_user_agent && !env.npm_execpath) return undefined;
  const parent = process.ppid;
  if (parent <= 1) return undefined;
  // Linux names processes in /proc; elsewhere (macOS' sh is bash, which execs modkit in place,
  // so npm is the parent) the parent alone is watched.
  const runnerShell = SHELLS.has(commandOf(parent) ?? '');
  const grandparent = runnerShell ? parentOf(parent) : undefined;
  const timer = setInterval(() => {
    let gone: string | undefined;
    if (process.ppid !== parent) gone = `its parent process (pid ${parent})`;
    else if (grandparent !== undefined && parentOf(parent) !== grandparent)
      gone = `the package runner (pid ${grandparent})`;
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(`${gone}, which started modkit, exited`);
  }, intervalMs);
  timer.unref(); // never what keeps the process alive
  return () => clearInterval(timer);
}

const SHELLS = new Set(['sh', 'dash', 'bash', 'ash', 'zsh', 'busybox']);

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The parent pid of `pid` from /proc/<pid>/stat (the field after the state, past the `(comm)`). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
