import type { ModuleDefinition } from '../modules/types.js';

/** A module's `restart` setting with its defaults filled in. */
export interface RestartPolicy {
  /** `always`: restart after a return too, not only after a failure. */
  readonly policy: 'never' | 'on-failure' | 'always';
  /** How many restarts in a row (with no stable run between them) before the app shuts down. */
  readonly maxAttempts: number;
  /** The delay before the first restart; it doubles for each further attempt. */
  readonly backoffMs: number;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1_000;
/** No restart waits longer than this, however many attempts came before. */
export const MAX_BACKOFF_MS = 30_000;
/** A task that ran at least this long before it ended ran stably: its count of restarts in a row starts again. */
export const STABLE_RUN_MS = MAX_BACKOFF_MS;

/** Reads `restart` from a module definition: `'never'` (the default), `'on-failure'`, `'always'` or an object. */
export function resolveRestartPolicy(restart: ModuleDefinition['restart']): RestartPolicy {
  if (restart === undefined || restart === 'never') return { policy: 'never', maxAttempts: 0, backoffMs: 0 };
  if (restart === 'on-failure' || restart === 'always') {
    return { policy: restart, maxAttempts: DEFAULT_MAX_ATTEMPTS, backoffMs: DEFAULT_BACKOFF_MS };
  }
  return {
    policy: restart.policy,
    maxAttempts: restart.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoffMs: restart.backoffMs ?? DEFAULT_BACKOFF_MS,
  };
}

/**
 * The delay before restart number `attempt` (1-based), or undefined when the policy allows no
 * further attempt: exponential (backoff, 2×, 4× …), capped at {@link MAX_BACKOFF_MS}.
 */
export function restartDelayMs(policy: RestartPolicy, attempt: number): number | undefined {
  if (policy.policy === 'never' || attempt > policy.maxAttempts) return undefined;
  return Math.min(MAX_BACKOFF_MS, policy.backoffMs * 2 ** (attempt - 1));
}
