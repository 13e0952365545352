import { didYouMean } from '../util/did-you-mean.js';

const HOOKS = ['preInit', 'init', 'postInit', 'start', 'run', 'stop'] as const;
const KNOWN_KEYS = ['name', 'deps', 'system', 'migrations', 'restart', ...HOOKS];
const SYSTEM_ONLY_HOOKS = ['preInit', 'postInit'] as const;

/**
 * Checks the shape of a module file's default export and returns every problem found,
 * each prefixed with the file. Pure.
 */
export function validateModuleDefinition(value: unknown, file: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [`${file}: a module file must default-export an object (defineModule({...})), got ${value === null ? 'null' : typeof value}`];
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
  const restart = def.restart;
  if (restart !== undefined && restart !== 'never' && restart !== 'on-failure' && !(typeof restart === 'object' && restart !== null && (restart as { policy?: unknown }).policy === 'on-failure')) {
    at('"restart" must be "never", "on-failure" or { policy: "on-failure", maxAttempts, backoffMs }');
  }
  for (const key of Object.keys(def)) {
    if (!KNOWN_KEYS.includes(key)) at(`unknown key "${key}"${didYouMean(key, KNOWN_KEYS)}`);
  }
  return problems;
}
