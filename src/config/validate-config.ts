import { didYouMean } from '../util/did-you-mean.js';
import { ON_MIGRATE, RULE_NAMES, SEVERITIES } from './lint-rules.js';
import type { ModkitConfig } from './types.js';
import { checkLifecycleKeys, LIFECYCLE_KEYS } from './lifecycle-settings.js';

const KNOWN_KEYS = [
  'modules',
  'database',
  'runtime',
  'lockTimeoutMs',
  'dbLockTimeoutMs',
  'dbLockRetries',
  'statementTimeoutMs',
  'shutdownDeadlineMs',
  'lint',
  'modulesConfig',
  'targets',
  ...LIFECYCLE_KEYS,
  'environments',
] as const;
/** What a named environment may set: everything but the project's shape. */
const ENVIRONMENT_KEYS = KNOWN_KEYS.filter((k) => k !== 'modules' && k !== 'environments');

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
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { config: {}, errors: [`the config must export an object, got ${describe(raw)}`] };
  }
  const value = raw as Record<string, unknown>;
  const errors = checkSettings(value, KNOWN_KEYS);
  checkEnvironments(value.environments, errors);
  return { config: value as ModkitConfig, errors };
}

/** `environments: { <name>: { …settings } }`: each block checked as the config is, its keys prefixed. */
function checkEnvironments(block: unknown, errors: string[]): void {
  if (block === undefined) return;
  if (!isObject(block)) {
    const like = "like { staging: { database: { url: '...' } } }";
    errors.push(`"environments" must be an object keyed by environment name, ${like}, got ${describe(block)}`);
    return;
  }
  for (const [name, settings] of Object.entries(block)) {
    if (!isObject(settings)) {
      errors.push(`"environments.${name}" must be an object of settings, got ${describe(settings)}`);
      continue;
    }
    // Each message names its key in quotes ("database.url"): prefixed, it names the environment's.
    // Partial: a setting it leaves out comes from the config (the merged config is checked when used).
    const own = checkSettings(settings, ENVIRONMENT_KEYS, true);
    errors.push(...own.map((e) => e.replace(/"/, `"environments.${name}.`)));
  }
}

/** Every problem of the settings in `value` (the config, or one named environment). */
function checkSettings(value: Record<string, unknown>, known: readonly string[], partial = false): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const ours = " (modules are the project's, the same in every environment)";
      const hint = key === 'modules' ? ours : didYouMean(key, known);
      errors.push(`unknown key "${key}"${hint}`);
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
  const retries = value.dbLockRetries;
  if (retries !== undefined && (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 1)) {
    errors.push(`"dbLockRetries" must be a whole number of tries, at least 1, got ${describe(retries)}`);
  }
  for (const key of ['lockTimeoutMs', 'dbLockTimeoutMs', 'statementTimeoutMs', 'shutdownDeadlineMs'] as const) {
    const ms = value[key];
    if (ms !== undefined && (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)) {
      errors.push(`"${key}" must be a non-negative number of milliseconds, got ${describe(ms)}`);
    }
  }
  checkLint(value.lint, errors);
  checkLifecycleKeys(value, errors);
  const { modulesConfig } = value;
  if (
    modulesConfig !== undefined &&
    (modulesConfig === null || typeof modulesConfig !== 'object' || Array.isArray(modulesConfig))
  ) {
    errors.push(`"modulesConfig" must be an object keyed by module name, got ${describe(modulesConfig)}`);
  } else if (modulesConfig !== undefined) {
    for (const [name, moduleConfig] of Object.entries(modulesConfig as Record<string, unknown>)) {
      if (!isObject(moduleConfig) || !('database' in moduleConfig)) continue;
      checkModuleDatabase(name, moduleConfig.database, errors, partial);
    }
  }
  checkTargets(value.targets, errors);
  return errors;
}

const LINT_KEYS = ['rules', 'onMigrate'] as const;

/** `lint: { rules: { <rule>: 'error' | 'warn' | 'info' | 'off' }, onMigrate }`: rule names are the stable ones. */
function checkLint(block: unknown, errors: string[]): void {
  if (block === undefined) return;
  if (!isObject(block)) {
    errors.push(`"lint" must be an object like { rules: { 'index-not-concurrent': 'error' } }, got ${describe(block)}`);
    return;
  }
  for (const key of Object.keys(block)) {
    if (!(LINT_KEYS as readonly string[]).includes(key))
      errors.push(`unknown key "lint.${key}"${didYouMean(key, LINT_KEYS)}`);
  }
  const severity = (where: string, value: unknown, allowed: readonly string[] = SEVERITIES) => {
    if (!(allowed as readonly unknown[]).includes(value))
      errors.push(`"${where}" must be ${allowed.map((s) => `'${s}'`).join(', ')}, got ${describe(value)}`);
  };
  if (block.onMigrate !== undefined) severity('lint.onMigrate', block.onMigrate, ON_MIGRATE);
  if (block.rules === undefined) return;
  if (!isObject(block.rules)) {
    errors.push(`"lint.rules" must be an object keyed by rule name, got ${describe(block.rules)}`);
    return;
  }
  for (const [rule, value] of Object.entries(block.rules)) {
    if (!(RULE_NAMES as readonly string[]).includes(rule)) {
      errors.push(
        `unknown lint rule "lint.rules.${rule}"${didYouMean(rule, RULE_NAMES)} (rules: ${RULE_NAMES.join(', ')})`,
      );
    } else {
      severity(`lint.rules.${rule}`, value);
    }
  }
}

/** `targets`: a list of URLs or `{ url, schema }`, or a function (checked when it is called). */
function checkTargets(targets: unknown, errors: string[]): void {
  if (targets === undefined || typeof targets === 'function') return;
  if (!Array.isArray(targets)) {
    errors.push(
      `"targets" must be a list of database URLs or { url, schema } objects, or a function returning one, got ${describe(targets)}`,
    );
    return;
  }
  for (const [i, entry] of targets.entries()) {
    const ok =
      typeof entry === 'string' ||
      (isObject(entry) &&
        typeof entry.url === 'string' &&
        (entry.schema === undefined || typeof entry.schema === 'string'));
    if (!ok) errors.push(`"targets[${i}]" must be a URL or { url, schema } with strings, got ${describe(entry)}`);
  }
}

const MODULE_DATABASE_KEYS = ['url', 'schema', 'runtimeUrl'] as const;

/** `modulesConfig.<name>.database`: modkit's own key inside a module's config (SPEC §2.1). */
function checkModuleDatabase(module: string, block: unknown, errors: string[], partial: boolean): void {
  const key = `modulesConfig.${module}.database`;
  if (!isObject(block)) {
    errors.push(`"${key}" must be an object like { url: '...' } (the module's own database), got ${describe(block)}`);
    return;
  }
  for (const inner of Object.keys(block)) {
    if ((MODULE_DATABASE_KEYS as readonly string[]).includes(inner)) continue;
    // The Rust runtime's `modules.<name>.database` spells the URL `dsn`.
    const hint =
      inner === 'dsn' ? ' (modkit calls the Rust runtime\'s "dsn" "url")' : didYouMean(inner, MODULE_DATABASE_KEYS);
    errors.push(`unknown key "${key}.${inner}"${hint}`);
  }
  const { url, schema, runtimeUrl } = block;
  if (url === undefined && !partial) {
    // A module whose own URL is missing must not quietly migrate into the default database.
    errors.push(
      `"${key}.url" is missing: a module's own database needs a URL (when it comes from process.env, that variable is not set)`,
    );
  } else if (url !== undefined && (typeof url !== 'string' || url.length === 0)) {
    errors.push(`"${key}.url" must be a non-empty string, got ${describe(url)}`);
  }
  if (schema !== undefined && (typeof schema !== 'string' || schema.length === 0 || schema.length > 63)) {
    errors.push(`"${key}.schema" must be a PostgreSQL schema name (1 to 63 characters), got ${describe(schema)}`);
  }
  if (runtimeUrl !== undefined && (typeof runtimeUrl !== 'string' || runtimeUrl.length === 0)) {
    errors.push(`"${key}.runtimeUrl" must be a non-empty string, got ${describe(runtimeUrl)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkUrlBlock(key: 'database' | 'runtime', block: unknown, errors: string[]): void {
  if (block === undefined) return;
  if (block === null || typeof block !== 'object' || Array.isArray(block)) {
    errors.push(`"${key}" must be an object like { url: '...' }, got ${describe(block)}`);
    return;
  }
  const known = key === 'database' ? ['url', 'schema'] : ['url'];
  for (const inner of Object.keys(block)) {
    if (!known.includes(inner)) errors.push(`unknown key "${key}.${inner}"${didYouMean(inner, known)}`);
  }
  const schema = (block as Record<string, unknown>).schema;
  if (schema !== undefined && (typeof schema !== 'string' || schema.length === 0 || schema.length > 63)) {
    errors.push(`"${key}.schema" must be a PostgreSQL schema name (1 to 63 characters), got ${describe(schema)}`);
  }
  const url = (block as Record<string, unknown>).url;
  // `undefined` is allowed so that `{ url: process.env.X }` works when X is unset. An empty string
  // is not: it is what `process.env.X` gives when X is set but empty (an unset CI secret).
  if (typeof url === 'string' && url.trim() === '') {
    errors.push(
      `"${key}.url" is empty (${describe(url)}; an environment variable set to ""?): give a URL, or leave it undefined`,
    );
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
