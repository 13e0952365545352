import { describe, expect, it } from 'vitest';
import { MAX_BACKOFF_MS, resolveRestartPolicy, restartDelayMs } from '../../src/lifecycle/restart-policy.js';
import { stopOrder } from '../../src/lifecycle/stop-order.js';

describe('restart policy', () => {
  it("'never' and no setting allow no restart", () => {
    expect(restartDelayMs(resolveRestartPolicy(undefined), 1)).toBeUndefined();
    expect(restartDelayMs(resolveRestartPolicy('never'), 1)).toBeUndefined();
  });

  it("'on-failure' doubles the delay for each attempt, up to maxAttempts", () => {
    const policy = resolveRestartPolicy({ policy: 'on-failure', maxAttempts: 4, backoffMs: 100 });
    expect([1, 2, 3, 4, 5].map((n) => restartDelayMs(policy, n))).toEqual([100, 200, 400, 800, undefined]);
  });

  it("'on-failure' alone uses the defaults (3 attempts from 1 s)", () => {
    const policy = resolveRestartPolicy('on-failure');
    expect([1, 2, 3, 4].map((n) => restartDelayMs(policy, n))).toEqual([1000, 2000, 4000, undefined]);
  });

  it('never waits longer than the cap', () => {
    const policy = resolveRestartPolicy({ policy: 'on-failure', maxAttempts: 20, backoffMs: 1000 });
    expect(restartDelayMs(policy, 20)).toBe(MAX_BACKOFF_MS);
  });
});

describe('stop order', () => {
  it('is the reverse topological order of the modules that started', () => {
    // SPEC §3 example: topological analytics, platform, audit-log, tenancy, users-info, billing, reports, search.
    const topological = ['analytics', 'platform', 'audit-log', 'tenancy', 'users-info', 'billing', 'reports', 'search'];
    expect(stopOrder(topological, topological)).toEqual([
      'search',
      'reports',
      'billing',
      'users-info',
      'tenancy',
      'audit-log',
      'platform',
      'analytics',
    ]);
    // A failure while starting users-info (system-first: platform, audit-log, analytics, tenancy started).
    expect(stopOrder(topological, ['platform', 'audit-log', 'analytics', 'tenancy'])).toEqual([
      'tenancy',
      'audit-log',
      'platform',
      'analytics',
    ]);
  });
});
