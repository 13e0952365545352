import type { DbTimeouts } from '../config/types.js';
import type { Session } from '../db/session.js';
import { ModkitError } from '../errors.js';
import { loadBody, type Direction } from '../modules/load-body.js';
import type { Migration } from '../modules/types.js';
import { stopwatch } from '../util/stopwatch.js';
import { lockRetryPolicy, stepTimeouts } from './lock-retry.js';
import { stepFailedError } from './migration-error.js';
import { letEventLoopTurn } from './event-loop-turn.js';
import { runAsMigration } from './script-work.js';
import type { EventSink, MigrationResult } from './types.js';

/** The options of a run that reach each of its steps (part of every executor's options). */
export interface StepOptions {
  /** Lock and statement timeouts, and how often a lock timeout is retried (files may override). */
  readonly dbTimeouts?: DbTimeouts;
  /** Aborting stops before the next migration; the running statement is cancelled by the caller. */
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
  /** Where bodies come from: default, each file read when its step runs; a fleet reads each once for all targets. */
  readonly loadBody?: BodyLoader;
}

/**
 * What the executors (in order, concurrent, rollback) share while running steps: the run's step
 * options, passed whole, and its results so far. (Not db/'s `StepContext`, what a session gets.)
 */
export interface RunContext extends StepOptions {
  readonly results: MigrationResult[];
  readonly total: number;
  /** Recorded with every history row this run writes. */
  readonly runId: string;
}

/** Loads a migration's body for a direction (src/modules/load-body.ts, or a fleet's cache of it). */
export type BodyLoader = typeof loadBody;

/**
 * Runs one migration as one step of a run: load its body, ask the session to apply it (the session
 * knows how on its engine), and report: progress events, a result whether it worked or not, and
 * any failure as the one paragraph the run ends with (a signal makes it `interrupted`).
 */
export async function runStep(
  session: Session,
  table: string,
  migration: Migration,
  direction: Direction,
  index: number,
  context: RunContext,
): Promise<void> {
  await letEventLoopTurn(); // a signal that came during the last steps is seen now, on every engine
  if (context.signal?.aborted) throw interruptedError();
  context.onEvent?.({
    type: 'migration-start',
    module: migration.module,
    id: migration.id,
    format: migration.format,
    blocksThread: session.capabilities.blocksThread === true,
    index,
    total: context.total,
  });
  const base = {
    module: migration.module,
    id: migration.id,
    direction,
    ...(migration.file ? { file: migration.file } : {}),
  };
  const elapsed = stopwatch();
  try {
    const body = await (context.loadBody ?? loadBody)(migration, direction);
    if (!body) {
      throw new ModkitError('usage', `migration ${migration.module}/${migration.id} has no ${direction} to run`, {
        details: { module: migration.module, id: migration.id },
      });
    }
    for (const marker of body.format === 'sql' ? (body.unknownMarkers ?? []) : []) {
      context.onEvent?.({
        type: 'warning',
        message: `${body.file ?? `${migration.module}/${migration.id}`}:${marker.line}: "${marker.text}" looks like an instruction to a migration tool, but modkit does not act on it`,
      });
    }
    try {
      const { dbTimeouts, signal } = context;
      // Everything the step's code starts carries its name: a late error is blamed on it (script-work.ts).
      const origin = { module: migration.module, id: migration.id, ...(body.file ? { file: body.file } : {}) };
      const durationMs = await runAsMigration(origin, body.format === 'script', () =>
        session.apply(
          { table, migration, direction, body },
          {
            runId: context.runId,
            ...(signal ? { signal } : {}),
            ...(dbTimeouts
              ? {
                  timeouts: stepTimeouts(body, dbTimeouts),
                  onLockTimeout: lockRetryPolicy(migration, dbTimeouts.tries, context.onEvent, signal),
                }
              : {}),
          },
        ),
      );
      const result: MigrationResult = { ...base, status: direction === 'up' ? 'applied' : 'reverted', durationMs };
      context.results.push(result);
      context.onEvent?.({ type: 'migration-done', result, index, total: context.total });
    } catch (error) {
      const { transactionalDdl } = session.capabilities;
      throw stepFailedError({ migration, direction, body, table, url: session.target.url, transactionalDdl }, error);
    }
  } catch (error) {
    context.results.push({ ...base, status: 'failed', durationMs: elapsed() });
    const failure = runError(error, context.signal);
    markLost(context.results, failure);
    throw failure;
  }
}

/** Migrations reported applied whose transaction a later body ended and rolled back: their results say so. */
function markLost(results: MigrationResult[], failure: ModkitError): void {
  const lost = failure.details.lost as readonly { module: string; id: string }[] | undefined;
  for (const { module, id } of lost ?? []) {
    const i = results.findIndex((r) => r.module === module && r.id === id && r.status !== 'failed');
    if (i !== -1) results[i] = { ...results[i]!, status: 'rolled-back' };
  }
}

/**
 * Any error that stopped a run, as the ModkitError the run reports. When `signal` aborted the run,
 * its reason decides: a ModkitError (the CLI found the process stalled) is the story; a signal
 * from outside makes the run `interrupted`.
 */
export function runError(error: unknown, signal?: AbortSignal): ModkitError {
  if (signal?.aborted && signal.reason instanceof ModkitError) return abortedBy(signal.reason, error);
  if (signal?.aborted && !(error instanceof ModkitError && error.kind === 'interrupted'))
    return interruptedError(error);
  return error instanceof ModkitError
    ? error
    : new ModkitError('migration-failed', `the run stopped: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      });
}

/** The run was stopped for `reason` (not a signal) while a step ran: name the step. */
function abortedBy(reason: ModkitError, error: unknown): ModkitError {
  const details = error instanceof ModkitError ? error.details : {};
  if (details.stoppedBy !== undefined) return error as ModkitError; // said already (runError runs at each level)
  if (typeof details.module !== 'string') return reason;
  const step = `${details.module}/${String(details.id)}${typeof details.file === 'string' ? ` (${details.file})` : ''}`;
  const aftermath =
    details.transactional === false
      ? `It ran outside a transaction, so module "${details.module}" may be dirty: \`modkit status\` tells.`
      : 'It was rolled back and nothing after it ran; what committed before it stays. Fix it and run again: the run resumes from this migration.';
  const why = reason.message.replace(/\.$/, '');
  return new ModkitError(reason.kind, `Migration ${step} did not finish: ${why}. ${aftermath}`, {
    cause: error,
    details: { ...reason.details, ...details, stoppedBy: reason.details },
  });
}

/**
 * Exit 130. A cancelled transactional migration was rolled back; a no-transaction one may have
 * left work behind, and then its own message (module dirty, what to do) is what matters.
 */
export function interruptedError(cause?: unknown): ModkitError {
  const details = cause instanceof ModkitError ? cause.details : {};
  // A migration's own failure names its module and id; modkit's work around it (a history table,
  // the lint's catalog) names the module alone, and no migration was cancelled then.
  const step =
    typeof details.module === 'string' && typeof details.id === 'string'
      ? `${details.module}/${details.id}`
      : undefined;
  const down = details.direction === 'down';
  const next = down
    ? `${step} is still applied; run rollback again to go on.`
    : `Run migrate again: it resumes from ${step}.`;
  const message =
    details.transactional === false && cause instanceof ModkitError
      ? `interrupted by a signal during ${step}: ${cause.message}`
      : step
        ? `interrupted by a signal: ${step} was cancelled and rolled back, nothing after it ran, and the lock was released. ${next}`
        : 'interrupted by a signal: nothing further ran, and the lock was released. Run the same command again: it goes on where this run stopped.';
  return new ModkitError('interrupted', message, { ...(cause ? { cause } : {}), details });
}
