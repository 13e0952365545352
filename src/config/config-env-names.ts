import { readConfigFile } from './load-config.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The environment variables a config file uses: those its code reads from `process.env` while it
 * loads (a TypeScript or JavaScript config, and what it imports), and every `${VAR}` its settings
 * reference, used or not. The CLI asks only when an env file holds a line it could not read, to
 * tell whether that line matters. Loading the config here loads it for the run too (Node and jiti
 * keep the module). A config that fails to load gives what it read until then; the run reports
 * the failure itself.
 */
export async function envNamesOfConfig(configFile: string): Promise<Set<string>> {
  const names = new Set<string>();
  const real = process.env;
  const note = (key: string | symbol) => {
    if (typeof key === 'string') names.add(key);
  };
  // Reads are recorded through a proxy only while the config loads; writes go to the real object.
  process.env = new Proxy(real, {
    get: (target, key) => (note(key), Reflect.get(target, key)),
    has: (target, key) => (note(key), Reflect.has(target, key)),
    getOwnPropertyDescriptor: (target, key) => (note(key), Reflect.getOwnPropertyDescriptor(target, key)),
    set: (target, key, value) => Reflect.set(target, key, value),
  });
  try {
    collectReferences(await readConfigFile(configFile), names, 0);
  } catch {
    // Reported by the run that loads it again.
  } finally {
    process.env = real;
  }
  return names;
}

/** Every `${NAME}` in the strings of a config value (plain data; functions are not called). */
function collectReferences(value: unknown, into: Set<string>, depth: number): void {
  if (depth > 20) return;
  if (typeof value === 'string') {
    for (const match of value.matchAll(REFERENCE)) into.add(match[1]!);
  } else if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, into, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) collectReferences(item, into, depth + 1);
  }
}
