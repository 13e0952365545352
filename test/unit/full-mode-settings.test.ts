import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveLifecycleSettings } from '../../src/config/lifecycle-settings.js';
import { resolveInstanceId, INSTANCE_ID } from '../../src/lifecycle/instance-id.js';
import { resolveRestartPolicy, restartDelayMs } from '../../src/lifecycle/restart-policy.js';
import { validateModuleDefinition } from '../../src/modules/validate-definition.js';
import { readDirectives } from '../../src/modules/directives.js';
import { parseDuration } from '../../src/util/duration.js';

describe('one duration syntax for flags and file markers', () => {
  it('reads units, plain milliseconds and decimals', () => {
    expect(['60s', '500ms', '2m', '2min', '1h', '750', '0', '1.5s', ' 30S ', '5 s'].map(parseDuration)).toEqual([
      60_000, 500, 120_000, 120_000, 3_600_000, 750, 0, 1_500, 30_000, 5_000,
    ]);
  });

  it('refuses what is not a duration', () => {
    expect(['', 'soon', '-5s', '5d', '1e3', 's', '5 ms s'].map(parseDuration)).toEqual(Array(7).fill(undefined));
  });

  it('is what the markers read: a plain number of ms in a marker is now a timeout, not an unknown marker', () => {
    expect(readDirectives('-- modkit:lock-timeout 250\nALTER TABLE t ADD c int;')).toMatchObject({
      lockTimeoutMs: 250,
      unknown: [],
    });
    expect(readDirectives('-- modkit:statement-timeout 2m\nSELECT 1;')).toMatchObject({ statementTimeoutMs: 120_000 });
  });
});

describe('full-mode config keys', () => {
  it('accepts health, drainMs, hookTimeoutMs and healthTimeoutMs, and resolves their defaults', () => {
    const raw = { health: { port: 0, host: '0.0.0.0' }, drainMs: 5000, hookTimeoutMs: 500, healthTimeoutMs: 100 };
    expect(validateConfig(raw).errors).toEqual([]);
    expect(resolveLifecycleSettings(raw)).toEqual({
      hookTimeoutMs: 500,
      healthTimeoutMs: 100,
      drainMs: 5000,
      health: { port: 0, host: '0.0.0.0' },
    });
    expect(resolveLifecycleSettings({})).toEqual({ hookTimeoutMs: 120_000, healthTimeoutMs: 2_000, drainMs: 0 });
    expect(resolveLifecycleSettings({ health: { port: 8081 } }).health).toEqual({ port: 8081, host: '127.0.0.1' });
  });

  it('reports every bad value at once', () => {
    expect(validateConfig({ health: { port: 70000, hots: 'x' }, drainMs: '5s', hookTimeoutMs: -1 }).errors).toEqual([
      '"drainMs" must be a non-negative number of milliseconds, got "5s"',
      '"hookTimeoutMs" must be a non-negative number of milliseconds, got -1',
      'unknown key "health.hots" (did you mean "host"?)',
      '"health.port" must be a port number from 0 (any free port) to 65535, got 70000',
    ]);
  });
});

describe('module definitions: the new hooks and settings', () => {
  const check = (extra: Record<string, unknown>) => validateModuleDefinition({ name: 'm', ...extra }, 'm.mjs');

  it('accepts health, reload, timeouts and restart always', () => {
    expect(
      check({
        health() {},
        reload() {},
        timeouts: { init: 500, start: '30s', health: '1s', stop: 100 },
        restart: 'always',
      }),
    ).toEqual([]);
    expect(check({ restart: { policy: 'always', maxAttempts: 5, backoffMs: 10 } })).toEqual([]);
  });

  it('names what is wrong', () => {
    expect(check({ health: 'yes', timeouts: { inti: 5, start: 'soon' }, restart: { policy: 'sometimes' } })).toEqual([
      'm.mjs: "health" must be a function',
      'm.mjs: "restart" must be "never", "on-failure", "always" or { policy: "on-failure" | "always", maxAttempts, backoffMs } (whole numbers)',
      'm.mjs: unknown key "timeouts.inti" (did you mean "init"?) (known: preInit, init, postInit, start, reload, health, stop)',
      'm.mjs: "timeouts.start" must be a duration (60s, 500ms, 2m, 1h or a plain number of milliseconds), got "soon"',
    ]);
  });
});

describe('restart always', () => {
  it('uses the on-failure budget and backoff', () => {
    const policy = resolveRestartPolicy('always');
    expect(policy.policy).toBe('always');
    expect([1, 2, 3, 4].map((n) => restartDelayMs(policy, n))).toEqual([1000, 2000, 4000, undefined]);
  });
});

describe('instance id', () => {
  it('is the option, else MODKIT_INSTANCE_ID, else one UUID per process', () => {
    expect(resolveInstanceId('pod-7', { MODKIT_INSTANCE_ID: 'env-id' })).toBe('pod-7');
    expect(resolveInstanceId(undefined, { MODKIT_INSTANCE_ID: 'env-id' })).toBe('env-id');
    expect(resolveInstanceId(undefined, {})).toBe(INSTANCE_ID);
    expect(INSTANCE_ID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses spaces, control characters and empty values (exit 2)', () => {
    expect(() => resolveInstanceId('my pod', {})).toThrow(/printable characters without spaces/);
    expect(() => resolveInstanceId(undefined, { MODKIT_INSTANCE_ID: '' })).toThrow(/MODKIT_INSTANCE_ID must be/);
  });
});
