import { didYouMean } from '../util/did-you-mean.js';
import type { LifecycleSettings, ModkitConfig } from './types.js';

/** The config keys of the full mode (docs/lifecycle.md). */
export const LIFECYCLE_KEYS = ['health', 'drainMs', 'hookTimeoutMs', 'healthTimeoutMs'] as const;

export const LIFECYCLE_DEFAULTS = {
  hookTimeoutMs: 120_000,
  healthTimeoutMs: 2_000,
  drainMs: 0,
  healthHost: '127.0.0.1',
} as const;

/** Defaults < config file, for the full mode's keys. */
export function resolveLifecycleSettings(config: ModkitConfig): LifecycleSettings {
  const port = config.health?.port;
  return {
    hookTimeoutMs: config.hookTimeoutMs ?? LIFECYCLE_DEFAULTS.hookTimeoutMs,
    healthTimeoutMs: config.healthTimeoutMs ?? LIFECYCLE_DEFAULTS.healthTimeoutMs,
    drainMs: config.drainMs ?? LIFECYCLE_DEFAULTS.drainMs,
    ...(port !== undefined ? { health: { port, host: config.health?.host ?? LIFECYCLE_DEFAULTS.healthHost } } : {}),
  };
}

const HEALTH_KEYS = ['port', 'host'] as const;

/** Checks the full mode's keys; adds each problem to `errors`. Pure. */
export function checkLifecycleKeys(value: Readonly<Record<string, unknown>>, errors: string[]): void {
  for (const key of ['drainMs', 'hookTimeoutMs', 'healthTimeoutMs'] as const) {
    const ms = value[key];
    if (ms !== undefined && (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)) {
      errors.push(`"${key}" must be a non-negative number of milliseconds, got ${JSON.stringify(ms) ?? String(ms)}`);
    }
  }
  const health = value.health;
  if (health === undefined) return;
  if (health === null || typeof health !== 'object' || Array.isArray(health)) {
    errors.push(`"health" must be an object like { port: 8081, host: '0.0.0.0' }`);
    return;
  }
  const block = health as Record<string, unknown>;
  for (const key of Object.keys(block)) {
    if ((HEALTH_KEYS as readonly string[]).includes(key)) continue;
    errors.push(`unknown key "health.${key}"${didYouMean(key, HEALTH_KEYS)}`);
  }
  const { port, host } = block;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535)) {
    errors.push(`"health.port" must be a port number from 0 (any free port) to 65535, got ${JSON.stringify(port)}`);
  }
  if (host !== undefined && (typeof host !== 'string' || host.trim() === '')) {
    errors.push(`"health.host" must be a host name or address, got ${JSON.stringify(host)}`);
  }
}
