import { ModkitError } from '../errors.js';
import { settleWithin, type Settled } from './settle-within.js';
import { graceAfterDeadline } from './stop-modules.js';

/** How a startup hook ended; `abandoned`: the run failed meanwhile (`reason`), so it was not waited for. */
export type HookOutcome = Settled | { readonly status: 'abandoned'; readonly reason: ModkitError };

/** How long a startup hook may still run once shutdown began: its module's stop budget, plus the grace a stop gets. */
export function startupBoundMs(deadlineMs: number): number {
  return deadlineMs + graceAfterDeadline(deadlineMs);
}

/**
 * Waits for a startup hook (preInit, init, postInit, start). While the application starts
 * normally there is no bound: a start may take as long as it needs. Once `shutdown` aborts (a
 * signal), the hook has {@link startupBoundMs} to return; after that it is left behind, still
 * running, so that the modules already started can be stopped and the process can end, instead
 * of waiting for ever on a hook that ignores its AbortSignal. When the abort's reason is a
 * ModkitError the run has already failed (the CLI aborts with one when the event loop ran dry
 * while a hook was pending: nothing can settle it any more), and the hook is given up at once.
 * `onBound` hears when the bound starts to run, with its length.
 */
export async function awaitStartupHook(
  call: () => unknown,
  shutdown: AbortSignal,
  deadlineMs: number,
  onBound: (ms: number) => void = () => undefined,
): Promise<HookOutcome> {
  // Promise.resolve().then turns a synchronous throw into a rejection like any other failure.
  const work = Promise.resolve().then(call);
  const boundMs = startupBoundMs(deadlineMs);
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<HookOutcome>((resolve) => {
    onAbort = () => {
      const reason: unknown = shutdown.reason;
      if (reason instanceof ModkitError) resolve({ status: 'abandoned', reason });
      else onBound(boundMs);
    };
    if (shutdown.aborted) onAbort();
    else shutdown.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([settleWithin(work, shutdown, boundMs), abandoned]);
  } finally {
    shutdown.removeEventListener('abort', onAbort!);
  }
}
