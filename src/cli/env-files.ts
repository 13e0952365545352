import { readEnvFile } from '../config/env-file.js';
import { envFilesFor, variablesFromEnvFiles } from '../config/load-config.js';
import type { Output } from './output.js';

/** The file each variable the CLI took from an env file came from (for "Using … (from …)"). */
const origins = new Map<string, string>();

/**
 * Completes this process's environment from the env files (`--dotenv PATH`, repeatable, else a
 * `.env` beside the config file), before the config or any module loads, as `node --env-file`
 * would: a variable already set wins (the rule is in config/load-config.ts). CLI only: a program
 * that uses modkit as a library keeps its environment to itself.
 */
export function applyEnvFiles(flags: { readonly dotenv?: readonly string[]; readonly config?: string }, output: Output): void {
  const files = envFilesFor({ ...(flags.dotenv ? { envFiles: flags.dotenv } : {}), ...(flags.config ? { configPath: flags.config } : {}) }).map(readEnvFile);
  for (const file of files) for (const line of file.ignored) output.warn(`${file.file}, ${line}: not KEY=value, ignored`);
  const added = variablesFromEnvFiles(process.env, files);
  for (const [name, { value, file }] of added) {
    process.env[name] = value;
    origins.set(name, file);
  }
  for (const file of files) {
    const names = [...file.values.keys()];
    const kept = names.filter((n) => added.get(n)?.file !== file.file);
    output.debug(`env file ${file.file}: ${names.length === 0 ? 'no variables' : `${names.join(', ')}${kept.length > 0 ? ` (kept from the environment or a later file: ${kept.join(', ')})` : ''}`}`);
  }
}

/** The env file a variable came from, when the CLI set it from one. */
export function envFileOf(name: string): string | undefined {
  return origins.get(name);
}
