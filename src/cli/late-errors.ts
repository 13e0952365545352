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
export function watchLateErrors(fail: (error: ModkitError) => void): void {
  const onError = (error: unknown) => {
    const origin = migrationOfCurrentWork();
    if (!origin) {
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
}
