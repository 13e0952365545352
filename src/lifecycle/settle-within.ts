/** How a bounded wait ended. */
export type Settled =
  | { readonly status: 'ok' }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'timed-out' };

/**
 * Waits for `work` until `deadline` aborts, plus `graceMs` for the code to react to the abort.
 * A hanging hook is then given up on (it keeps running in the background) so the caller can move
 * on to the next module instead of hanging with it.
 */
export async function settleWithin(work: Promise<unknown>, deadline: AbortSignal, graceMs: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const giveUp = new Promise<Settled>((resolve) => {
    const arm = () => {
      timer = setTimeout(() => resolve({ status: 'timed-out' }), graceMs);
    };
    if (deadline.aborted) arm();
    else {
      onAbort = arm;
      deadline.addEventListener('abort', onAbort, { once: true });
    }
  });
  const done = work.then(
    (): Settled => ({ status: 'ok' }),
    (error: unknown): Settled => ({ status: 'failed', error }),
  );
  try {
    return await Promise.race([done, giveUp]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) deadline.removeEventListener('abort', onAbort);
  }
}

/** An AbortSignal that aborts after `ms`, with a way to clear the timer once it is no longer needed. */
export function deadlineAfter(ms: number): { readonly signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`deadline of ${ms} ms reached`)), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
