import { ModkitError } from '../errors.js';
import { settleWithin, type Settled } from './settle-within.js';
import { graceAfterDeadline } from './stop-modules.js';

/**
 * How a startup hook ended. `abandoned`: the run failed meanwhile (`reason`), so it was not waited
 * for; `over-limit`: it ran longer than its time limit (`hookTimeoutMs`) and was left behind.
 */
export type HookOutcome =
  | Settled
  | { readonly status: 'abandoned'; readonly reason: ModkitError }
  | { readonly status: 'over-limit'; readonly limitMs: number };

/** How long a startup hook may still run once shutdown began: its module's stop budget, plus the grace a stop gets. */
export function startupBoundMs(deadlineMs: number): number {
  return deadlineMs + graceAfterDeadline(deadlineMs);
}

export interface StartupHookBounds {
  /** The module's stop budget: after a signal, the hook gets this plus grace ({@link startupBoundMs}). */
  readonly deadlineMs: number;
  /** The hook's own time limit (`hookTimeoutMs`, `timeouts.<hook>`); 0: none. */
  readonly limitMs: number;
  /** Hears when the bound after a signal starts to run, with its length. */
  readonly onBound?: (ms: number) => void;
}

/**
 * Waits for a startup hook (preInit, init, postInit, start) or a reload. It may run up to its time
 * limit; past it, it is left behind, still running, and the caller fails the run as for a hook that
 * threw. Once `shutdown` aborts (a signal), the hook has {@link startupBoundMs} to return; after
 * that it is left behind too, so that the modules already started can be stopped and the process
 * can end, instead of waiting for ever on a hook that ignores its AbortSignal. When the abort's
 * reason is a ModkitError the run has already failed (the CLI aborts with one when the event loop
 * ran dry while a hook was pending: nothing can settle it any more), and the hook is given up at once.

 */
export async function awaitStartupHook(
  call: () => unknown,
  shutdown: AbortSignal,
  bounds: StartupHookBounds,
): Promise<HookOutcome> {
  // Promise.resolve().then turns a synchronous throw into a rejection like any other failure.
  const work = Promise.resolve().then(call);
  const boundMs = startupBoundMs(bounds.deadlineMs);
  let onAbort: (() => void) | undefined;
  let limitTimer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<HookOutcome>((resolve) => {
    onAbort = () => {
      const reason: unknown = shutdown.reason;
      if (reason instanceof ModkitError) resolve({ status: 'abandoned', reason });
      else bounds.onBound?.(boundMs);
    };
    if (shutdown.aborted) onAbort();
    else shutdown.addEventListener('abort', onAbort, { once: true });
  });
  const overLimit = new Promise<HookOutcome>((resolve) => {
    // Unref'd: the limit must not keep Node alive, or a hook whose promise can never settle would
    // hide behind it instead of being caught when the event loop runs dry (the CLI's stall check).
    const { limitMs } = bounds;
    if (limitMs > 0) limitTimer = setTimeout(() => resolve({ status: 'over-limit', limitMs }), limitMs).unref();
  });
  try {
    return await Promise.race([settleWithin(work, shutdown, boundMs), abandoned, overLimit]);
  } finally {
    clearTimeout(limitTimer);
    shutdown.removeEventListener('abort', onAbort!);
  }
}
