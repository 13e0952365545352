import { writeSync } from 'node:fs';
import { EXIT_CODES } from '../errors.js';
import type { ExecuteEvent } from '../execute/types.js';
import type { LifecycleEvent } from '../lifecycle/types.js';
import { endLateErrorWatch } from './late-errors.js';

/**
 * What user code is running now (a migration script, a hook), so that if it ends the process
 * itself — `process.exit(0)` in a migration — the run is reported as failed, not as a success.
 * CLI-only state: the library never exits and never watches the process.
 */
const activity: { current: string | undefined } = { current: 'loading the config and module files' };

/** Records what runs now (undefined: modkit's own code). */
export function noteActivity(description: string | undefined): void {
  activity.current = description;
}

/**
 * Watches for an exit nobody in modkit asked for. Returns the function the entry point calls just
 * before its own `process.exit`. An unexpected exit becomes exit 1 with one paragraph on stderr
 * (and, under --json, the one JSON document on stdout), written synchronously: nothing else runs.
 */
export function guardUnexpectedExit(options: { readonly json: boolean; readonly command: () => string }): () => void {
  let expected = false;
  process.on('exit', (code) => {
    if (expected) return;
    const during = activity.current ?? 'modkit';
    const message =
      `the process was ended by user code (process.exit(${code ?? ''}) or the like) while running ${during}, before modkit finished. ` +
      'Whatever committed before it is kept: migrations already applied stay recorded, the one that was running was not recorded ' +
      'as applied (its transaction rolled back; where DDL commits implicitly, as on MariaDB/MySQL, what it did before stays and ' +
      '`modkit status` shows its module dirty), modules that had started were not stopped. Remove the exit from that code and run again: ' +
      'migrate resumes where this run stopped.';
    process.exitCode = EXIT_CODES['migration-failed'];
    try {
      writeSync(2, `error: ${message}\n`);
      if (options.json) {
        const doc = {
          modkit: 1,
          command: options.command(),
          exitCode: EXIT_CODES['migration-failed'],
          error: { kind: 'user-exit', message, during },
        };
        writeSync(1, `${JSON.stringify(doc, null, 2)}\n`);
      }
    } catch {
      // stdout or stderr already closed: the exit code still tells
    }
  });
  return () => {
    expected = true;
  };
}

/** Follows the run's events: a migration or a hook is user code from its start to its end. */
export function trackActivity(event: ExecuteEvent | LifecycleEvent): void {
  if (event.type === 'migration-start') noteActivity(`migration ${event.module}/${event.id}`);
  else if (event.type === 'hook-start') noteActivity(`the ${event.phase} hook of module "${event.module}"`);
  else if (event.type === 'migration-done' || event.type === 'hook') noteActivity(undefined);
  else if (event.type === 'state' && !event.module && event.state === 'running')
    noteActivity("the running application (a module's code outside its hooks)");
  if (event.type === 'phase' && event.phase === 'db' && event.status === 'end') endLateErrorWatch();
}
