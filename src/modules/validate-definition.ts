import { didYouMean } from '../util/did-you-mean.js';
import { DURATION_FORMS, parseDuration } from '../util/duration.js';

const HOOKS = ['preInit', 'init', 'postInit', 'start', 'run', 'stop', 'health', 'reload'] as const;
const KNOWN_KEYS = ['name', 'deps', 'system', 'migrations', 'restart', 'timeouts', 'process', ...HOOKS];
const PROCESS_KEYS = ['command', 'args', 'env', 'cwd', 'readyTimeoutMs', 'restart'] as const;
const TIMEOUT_KEYS = ['preInit', 'init', 'postInit', 'start', 'reload', 'health', 'stop'] as const;
const RESTART_POLICIES: readonly unknown[] = ['never', 'on-failure', 'always'];
const SYSTEM_ONLY_HOOKS = ['preInit', 'postInit'] as const;

/**
 * Checks the shape of a module file's default export and returns every problem found,
 * each prefixed with the file. Pure.
 */
export function validateModuleDefinition(value: unknown, file: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [
      `${file}: a module file must default-export an object (defineModule({...})), got ${value === null ? 'null' : typeof value}`,
    ];
  }
  const def = value as Record<string, unknown>;
  const problems: string[] = [];
  const at = (message: string) => problems.push(`${file}: ${message}`);
  if (typeof def.name !== 'string' || def.name === '') at('"name" must be a non-empty string');
  if (def.deps !== undefined && (!Array.isArray(def.deps) || def.deps.some((d) => typeof d !== 'string'))) {
    at('"deps" must be an array of module names');
  }
  if (def.system !== undefined && typeof def.system !== 'boolean') at('"system" must be true or false');
  if (def.migrations !== undefined && typeof def.migrations !== 'string' && !Array.isArray(def.migrations)) {
    at('"migrations" must be a directory path or an array of inline migrations');
  }
  for (const hook of HOOKS) {
    if (def[hook] !== undefined && typeof def[hook] !== 'function') at(`"${hook}" must be a function`);
  }
  if (def.system !== true) {
    for (const hook of SYSTEM_ONLY_HOOKS) {
      if (def[hook] !== undefined) at(`"${hook}" runs for system modules only; set system: true or move it to init`);
    }
  }
  checkRestart(def.restart, '"restart"', at);
  checkTimeouts(def.timeouts, at);
  checkProcess(def.process, at);
  for (const key of Object.keys(def)) {
    if (!KNOWN_KEYS.includes(key)) at(`unknown key "${key}"${didYouMean(key, KNOWN_KEYS)}`);
  }
  return problems;
}

function checkRestart(restart: unknown, key: string, at: (message: string) => void): void {
  if (restart === undefined || (typeof restart === 'string' && RESTART_POLICIES.includes(restart))) return;
  const policy = typeof restart === 'object' && restart !== null ? (restart as Record<string, unknown>) : undefined;
  const count = (value: unknown) =>
    value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0);
  const known = policy?.policy === 'on-failure' || policy?.policy === 'always';
  if (policy && known && count(policy.maxAttempts) && count(policy.backoffMs)) return;
  at(
    `${key} must be "never", "on-failure", "always" or ` +
      '{ policy: "on-failure" | "always", maxAttempts, backoffMs } (whole numbers)',
  );
}

/** `process: { command, args, env, cwd, readyTimeoutMs, restart }` (docs/out-of-process.md). */
function checkProcess(process: unknown, at: (message: string) => void): void {
  if (process === undefined) return;
  if (process === null || typeof process !== 'object' || Array.isArray(process)) {
    at(`"process" must be an object like { command: 'python3', args: ['worker.py'] }`);
    return;
  }
  const p = process as Record<string, unknown>;
  if (typeof p.command !== 'string' || p.command.trim() === '') at('"process.command" must be a non-empty string');
  if (p.args !== undefined && (!Array.isArray(p.args) || p.args.some((a) => typeof a !== 'string'))) {
    at('"process.args" must be an array of strings');
  }
  const env = p.env;
  const isMap = env !== null && typeof env === 'object' && !Array.isArray(env);
  if (env !== undefined && (!isMap || Object.values(env).some((v) => typeof v !== 'string'))) {
    at('"process.env" must be an object of strings, like { LOG_LEVEL: \'info\' }');
  }
  if (p.cwd !== undefined && (typeof p.cwd !== 'string' || p.cwd === '')) at('"process.cwd" must be a non-empty path');
  if (p.readyTimeoutMs !== undefined && !(hookTimeoutMs(p.readyTimeoutMs)! > 0)) {
    const got = JSON.stringify(p.readyTimeoutMs);
    at(`"process.readyTimeoutMs" must be a positive duration (${DURATION_FORMS}), got ${got}`);
  }
  checkRestart(p.restart, '"process.restart"', at);
  for (const key of Object.keys(p)) {
    if (!(PROCESS_KEYS as readonly string[]).includes(key)) {
      at(`unknown key "process.${key}"${didYouMean(key, PROCESS_KEYS)} (known: ${PROCESS_KEYS.join(', ')})`);
    }
  }
}

/** `timeouts: { init: 5000, start: '30s', … }`: each a number of ms or a duration. */
function checkTimeouts(timeouts: unknown, at: (message: string) => void): void {
  if (timeouts === undefined) return;
  if (timeouts === null || typeof timeouts !== 'object' || Array.isArray(timeouts)) {
    at(`"timeouts" must be an object like { init: '30s', start: 5000 }`);
    return;
  }
  for (const [key, value] of Object.entries(timeouts)) {
    if (!(TIMEOUT_KEYS as readonly string[]).includes(key)) {
      at(`unknown key "timeouts.${key}"${didYouMean(key, TIMEOUT_KEYS)} (known: ${TIMEOUT_KEYS.join(', ')})`);
    } else if (hookTimeoutMs(value) === undefined) {
      at(`"timeouts.${key}" must be a duration (${DURATION_FORMS}), got ${JSON.stringify(value)}`);
    }
  }
}

/** A `timeouts` value in ms: a non-negative number, or a duration string. */
export function hookTimeoutMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' ? parseDuration(value) : undefined;
}
