import { resolve } from 'node:path';
import { envNamesOfConfig } from '../config/config-env-names.js';
import { readEnvFile } from '../config/env-file.js';
import { envFilesFor, judgeMalformedLines, MODKIT_VARIABLES, variablesFromEnvFiles } from '../config/env-files.js';
import { findConfigFile } from '../config/load-config.js';
import { UsageError } from '../errors.js';
import type { Output } from './output.js';

/** The file each variable the CLI took from an env file came from (for "Using … (from …)"). */
const origins = new Map<string, string>();

/** What the CLI needs of the flags to read env files. */
export interface EnvFileFlags {
  readonly dotenv?: readonly string[];
  readonly config?: string;
  /** `--env-file`: accepted only to explain that it is Node's (see docs/configuration.md). */
  readonly envFile?: string;
}

/**
 * Completes this process's environment from the env files (`--dotenv PATH`, repeatable, else a
 * `.env` beside the config file), before the config or any module loads, as `node --env-file`
 * would: a variable already set wins (the rule is in config/env-files.ts). A line that cannot be
 * read is exit 2 when it sets, or looks like it sets, a variable modkit or the config reads, and
 * a warning otherwise; no value from a file is ever printed. CLI only: a program that uses modkit
 * as a library keeps its environment to itself.
 */
export async function applyEnvFiles(flags: EnvFileFlags, output: Output): Promise<void> {
  if (flags.envFile !== undefined) {
    throw new UsageError(
      "--env-file is Node's own option, not modkit's: Node reads it anywhere on the command line, before modkit " +
        'starts (and stops with exit 9 when the file is missing). Use --dotenv PATH, which modkit reads by its rules ' +
        '(docs/configuration.md)',
    );
  }
  const files = envFilesFor({
    ...(flags.dotenv ? { envFiles: flags.dotenv } : {}),
    ...(flags.config ? { configPath: flags.config } : {}),
  }).map(readEnvFile);
  const real = { ...process.env };
  const added = variablesFromEnvFiles(process.env, files);
  for (const [name, { value, file }] of added) {
    process.env[name] = value;
    origins.set(name, file);
  }
  for (const file of files) {
    const names = [...file.values.keys()];
    const kept = names.filter((n) => added.get(n)?.file !== file.file);
    output.debug(
      `env file ${file.file}: ${names.length === 0 ? 'no variables' : `${names.join(', ')}${kept.length > 0 ? ` (kept from the environment or a later file: ${kept.join(', ')})` : ''}`}`,
    );
  }
  if (!files.some((f) => f.malformed.length > 0)) return;
  // Rare, so only then is the config asked which variables it reads (it loads with the files' values).
  const inUse = new Map<string, string>(MODKIT_VARIABLES.map((name) => [name, 'modkit']));
  const configFile = configFileOf(flags);
  for (const name of configFile ? await envNamesOfConfig(configFile) : []) {
    if (!inUse.has(name)) inUse.set(name, 'the config');
  }
  const { errors, warnings } = judgeMalformedLines(files, inUse, real);
  for (const warning of warnings) output.warn(warning);
  if (errors.length > 0) throw new UsageError(errors);
}

/** The variables the CLI set from env files (modules' child processes do not inherit them). */
export function envFileVariables(): string[] {
  return [...origins.keys()];
}

/** The env file a variable came from, when the CLI set it from one. */
export function envFileOf(name: string): string | undefined {
  return origins.get(name);
}

function configFileOf(flags: EnvFileFlags): string | undefined {
  try {
    return flags.config ? resolve(flags.config) : findConfigFile(process.cwd());
  } catch {
    return undefined;
  }
}
