import { stopwatch } from '../util/stopwatch.js';
import type { ModkitError } from '../errors.js';
import type { ModuleHistory } from '../plan/types.js';
import type { LoadedDown } from './check-downs.js';
import type { DatabaseSessions } from './locked-session.js';
import { runError, runStep, type RunContext, type StepOptions } from './run-step.js';
import { followingScriptWork } from './script-work.js';
import type { ApplyResult, MigrationResult } from './types.js';
import { upgradeHistories } from './upgrade-histories.js';

/** A rollback's steps get what a migrate's do (downs are read from disk: no body loader). */
export type RunRollbackOptions = Omit<StepOptions, 'loadBody'>;

/**
 * Runs the downs in order (the plan's order: dependents first, newest first), each in its own
 * transaction with the deletion of its history row, in its module's database. The first failure stops the run; the result
 * lists what was reverted before it.
 */
export async function runRollback(
  sessions: DatabaseSessions,
  downs: readonly LoadedDown[],
  histories: ReadonlyMap<string, ModuleHistory>,
  runId: string,
  options: RunRollbackOptions = {},
): Promise<ApplyResult> {
  const elapsed = stopwatch();
  const results: MigrationResult[] = [];
  const finish = (error?: ModkitError): ApplyResult => ({
    results,
    ...(error ? { error } : {}),
    durationMs: elapsed(),
  });
  try {
    // A table of another runtime lacks `state`, which a no-transaction down writes: upgrade it first.
    const touched = new Set(downs.map((d) => d.step.module));
    await upgradeHistories(
      sessions,
      [...histories.values()].filter((h) => touched.has(h.module)),
      options.onEvent,
    );
    const context: RunContext = { ...options, results, total: downs.length, runId };
    await followingScriptWork(async () => {
      for (const [i, { step }] of downs.entries())
        await runStep(sessions.of(step.module), step.table, step.migration!, 'down', i + 1, context);
    });
    return finish();
  } catch (error) {
    return finish(runError(error, options.signal));
  }
}
