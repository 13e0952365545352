/** Watches, while a statement runs, who would keep it waiting for a lock; `stop` says who did. */
export interface BlockerWatch {
  stop(): readonly string[];
}

/**
 * Samples `blockers` (asked from another connection) while a statement waits: every 250 ms, first
 * at half the lock timeout when that is sooner, keeping the last non-empty answer, so that a lock
 * timeout can name who held the lock. Fast statements end before the first sample.
 */
export function sampleBlockers(blockers: () => Promise<string[]>, lockMs: number): BlockerWatch {
  let seen: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const sample = (delayMs: number) => {
    timer = setTimeout(() => {
      void blockers().then(
        (found) => {
          if (found.length > 0) seen = found;
          if (timer) sample(250);
        },
        () => undefined,
      );
    }, delayMs);
  };
  sample(Math.min(250, lockMs / 2));
  return {
    stop: () => {
      clearTimeout(timer);
      timer = undefined;
      return seen;
    },
  };
}
