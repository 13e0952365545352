import { didYouMean } from '../util/did-you-mean.js';
import type { ModkitConfig } from './types.js';

const KNOWN_KEYS = ['modules', 'database', 'runtime', 'lockTimeoutMs', 'shutdownDeadlineMs', 'modulesConfig'] as const;

export interface ConfigValidation {
  readonly config: ModkitConfig;
  /** Every problem found, each a sentence; empty when the config is valid. */
  readonly errors: readonly string[];
}

/**
 * Checks a loaded config object and reports every problem at once (changesets style),
 * instead of throwing at the first one. Pure: no fs, no env.
 */
export function validateConfig(raw: unknown): ConfigValidation {
  const errors: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { config: {}, errors: [`the config must export an object, got ${describe(raw)}`] };
  }
  const value = raw as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      errors.push(`unknown key "${key}"${didYouMean(key, KNOWN_KEYS)}`);
    }
  }
  const { modules } = value;
  if (modules !== undefined) {
    if (!Array.isArray(modules) || modules.some((g) => typeof g !== 'string' || g.length === 0)) {
      errors.push(`"modules" must be an array of non-empty glob strings, got ${describe(modules)}`);
    } else if (modules.length === 0) {
      errors.push('"modules" must list at least one glob');
    }
  }
  for (const key of ['database', 'runtime'] as const) {
    checkUrlBlock(key, value[key], errors);
  }
  for (const key of ['lockTimeoutMs', 'shutdownDeadlineMs'] as const) {
    const ms = value[key];
    if (ms !== undefined && (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)) {
      errors.push(`"${key}" must be a non-negative number of milliseconds, got ${describe(ms)}`);
    }
  }
  const { modulesConfig } = value;
  if (modulesConfig !== undefined && (modulesConfig === null || typeof modulesConfig !== 'object' || Array.isArray(modulesConfig))) {
    errors.push(`"modulesConfig" must be an object keyed by module name, got ${describe(modulesConfig)}`);
  }
  return { config: value as ModkitConfig, errors };
}

function checkUrlBlock(key: 'database' | 'runtime', block: unknown, errors: string[]): void {
  if (block === undefined) return;
  if (block === null || typeof block !== 'object' || Array.isArray(block)) {
    errors.push(`"${key}" must be an object like { url: '...' }, got ${describe(block)}`);
    return;
  }
  for (const inner of Object.keys(block)) {
    if (inner !== 'url') errors.push(`unknown key "${key}.${inner}"${didYouMean(inner, ['url'])}`);
  }
  const url = (block as Record<string, unknown>).url;
  // `undefined` is allowed so that `{ url: process.env.X }` works when X is unset. An empty string
  // is not: it is what `process.env.X` gives when X is set but empty (an unset CI secret).
  if (typeof url === 'string' && url.trim() === '') {
    errors.push(`"${key}.url" is empty (${describe(url)}; an environment variable set to ""?): give a URL, or leave it undefined`);
  } else if (url !== undefined && typeof url !== 'string') {
    errors.push(`"${key}.url" must be a non-empty string, got ${describe(url)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
