/** One turn of the event loop (its poll phase passes: signals and I/O callbacks are delivered). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Waits `ms`, or less if `signal` aborts first; never rejects (every caller checks the signal
 * after). `node:timers/promises` would do, but loading it costs every run of the CLI, and only a
 * run that waits (for a lock, a retry, a schema, a restart) ever sleeps.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
