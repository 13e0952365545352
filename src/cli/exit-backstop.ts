import { Worker } from 'node:worker_threads';

/** How long after a bound the backstop steps in: the in-thread watchdog fires at the bound and normally ends the run well before. */
export const BACKSTOP_MARGIN_MS = 1_000;
/** How long the backstop then waits for the main thread to end the run before it kills the process. */
export const BACKSTOP_KILL_AFTER_MS = 2_000;

/**
 * The shutdown watchdog of the lifecycle (src/lifecycle/stop-modules.ts) is a timer on the main
 * thread: a hook that blocks the event loop (`while (true) {}` in a stop) keeps it from ever
 * firing. This backstop runs in a worker thread, whose timers tick whatever the main thread does,
 * and is armed with the bound the lifecycle announces (`deadline` events). When the bound plus
 * {@link BACKSTOP_MARGIN_MS} passes with the run still going, the worker:
 *
 * 1. says so on stderr, and asks V8, through an inspector session connected to the main thread,
 *    to terminate the JavaScript running there (`Runtime.terminateExecution`). V8 checks for that
 *    request inside loops, so it ends a busy loop or an `Atomics.wait`; the main thread's event
 *    loop then runs again, the in-thread watchdog fires, and the run ends as a watchdog overrun:
 *    the report names the modules not stopped, and the exit code is 1.
 * 2. If the process is still there {@link BACKSTOP_KILL_AFTER_MS} later (the main thread is stuck in
 *    native code, e.g. a synchronous child process or a read that never returns, where V8 cannot
 *    interrupt it), it kills the process with SIGKILL: a shell reports exit status 137.
 *
 * What a worker can NOT do, measured on Node 20.20: end the process with a code of its own choosing
 * while the main thread is blocked. `process.exit()` in a worker ends only the worker, and
 * `process.abort()` throws ERR_WORKER_UNSUPPORTED_OPERATION there (both checked by
 * test/cli/lifecycle-bounds.test.ts); a SIGTERM or SIGINT it sends is handled by the main thread's
 * JavaScript, which is blocked, so nothing happens; `Runtime.evaluate` of `process.exit(1)` through
 * the inspector does exit with code 1, but skips the report and makes Node print "Waiting for the
 * debugger to disconnect..." (the last two tried by hand). Hence terminate, then SIGKILL.
 *
 * The worker is started on the first `arm` only (during shutdown), so runs that never shut down
 * through the lifecycle pay nothing. It is unref'd: it never keeps the process alive.
 */
export interface ExitBackstop {
  /** (Re)arms: the run must be over `ms` from now; `what` names the bounded step in the messages. */
  arm(ms: number, what: string): void;
  /** The run ended: stand down. */
  disarm(): void;
}

export function exitBackstop(): ExitBackstop {
  let worker: Worker | undefined;
  let disarmed = false;
  return {
    arm(ms, what) {
      if (disarmed) return;
      worker ??= startWorker();
      worker.postMessage({ ms: ms + BACKSTOP_MARGIN_MS, killAfterMs: BACKSTOP_KILL_AFTER_MS, what });
    },
    disarm() {
      disarmed = true;
      void worker?.terminate();
    },
  };
}

function startWorker(): Worker {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref();
  return worker;
}

/** The worker's code (CommonJS, evaluated as a string: the CLI ships as one bundle). */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const say = (line) => { try { writeSync(2, 'modkit: ' + line + '\\n'); } catch {} };
let timer;
parentPort.on('message', ({ ms, killAfterMs, what }) => {
  clearTimeout(timer);
  timer = setTimeout(() => fire(what, killAfterMs), ms);
});
function fire(what, killAfterMs) {
  say(what + ' is past its bound and the main thread does not respond (a hook blocking the event loop?): interrupting the JavaScript it runs');
  try {
    const inspector = require('node:inspector');
    const session = new inspector.Session();
    session.connectToMainThread();
    session.post('Runtime.terminateExecution');
    // Queued behind the request: no session is left connected when the main thread exits.
    session.disconnect();
  } catch (error) {
    say('cannot interrupt the main thread (' + error.message + ')');
  }
  setTimeout(() => {
    say('the main thread is still blocked (in native code?): killing the process with SIGKILL (exit status 137)');
    process.kill(process.pid, 'SIGKILL');
  }, killAfterMs);
}
`;
