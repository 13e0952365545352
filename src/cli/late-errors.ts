import { writeSync } from 'node:fs';
import type { ModkitError } from '../errors.js';
import { LateWorkError, migrationOfCurrentWork } from '../execute/script-work.js';

/**
 * Exceptions and rejections nothing waits for: a timer a migration left behind that throws, a
 * promise it did not await that rejects after its `up()` resolved. One that comes from a
 * migration's code is blamed on that migration, not on whichever one runs at that moment, and
 * fails the run (`fail`: stop it if it still runs; exit 1 either way). Any other ends the process
 * as Node itself would (the exit guard then says what was running).
 */
export function watchLateErrors(
  fail: (error: ModkitError) => void,
  /** Writes what output waits (its lines come before the error's). */
  flushOutput: () => void = () => undefined,
): void {
  stopWatching();
  const onError = (error: unknown) => {
    const origin = migrationOfCurrentWork();
    if (!origin) {
      flushOutput();
      try {
        writeSync(2, `${(error as Error)?.stack ?? String(error)}\n`);
      } catch {
        // stderr closed: the exit code still tells
      }
      process.exit(1);
    }
    fail(new LateWorkError(origin, error));
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  stopWatching = () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    stopWatching = () => undefined;
  };
}

let stopWatching: () => void = () => undefined;

/**
 * The db phase is over: migrations' late errors were waited for, and what runs now (the
 * lifecycle) ends the process as Node does — a listener here would also keep V8's termination of
 * a blocked hook (the exit backstop) from ending it cleanly.
 */
export function endLateErrorWatch(): void {
  stopWatching();
}
