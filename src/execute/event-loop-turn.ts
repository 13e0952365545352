/**
 * Lets the event loop turn between steps when it has not for a while. A synchronous driver
 * (better-sqlite3) never hands it back during a run of SQL migrations: a SIGTERM's handler (the
 * run should stop before the next migration and exit 130), a timer, a reader of the health port
 * would all wait for the end of the run. One `setImmediate` every `everyMs` costs nothing a run
 * can see; a turn per step would cost a little on thousands of fast steps. (Time from
 * process.hrtime, as util/stopwatch.ts explains: `performance` would load perf_hooks for every run.)
 */
import { nextTurn } from '../util/sleep.js';

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

let lastTurn = nowMs();

export async function letEventLoopTurn(everyMs = 20): Promise<void> {
  if (nowMs() - lastTurn < everyMs) return;
  await nextTurn();
  lastTurn = nowMs();
}
