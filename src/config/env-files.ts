import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CONVENTIONAL_URL_ENV, DATABASE_URL_ENV } from './choose-database.js';
import type { EnvFile } from './env-file.js';
import { ENV_FILE_NAME, findConfigFile } from './load-config.js';

/** The variables modkit itself reads (the config may read others: {@link envNamesOfConfig}). */
export const MODKIT_VARIABLES: readonly string[] = [DATABASE_URL_ENV, CONVENTIONAL_URL_ENV];

/**
 * Which env files the CLI reads: the `--dotenv` paths (relative to `cwd`) when given, else the
 * `.env` beside the config file when there is one. Never throws: without a config the command
 * reports that itself.
 */
export function envFilesFor(options: {
  readonly envFiles?: readonly string[];
  readonly configPath?: string;
  readonly cwd?: string;
}): string[] {
  const cwd = options.cwd ?? process.cwd();
  if (options.envFiles && options.envFiles.length > 0) return options.envFiles.map((f) => resolve(cwd, f));
  try {
    const configFile = options.configPath ? resolve(cwd, options.configPath) : findConfigFile(cwd);
    const beside = join(dirname(configFile), ENV_FILE_NAME);
    return existsSync(beside) ? [beside] : [];
  } catch {
    return [];
  }
}

/**
 * The variables env files add to `env`, each with the file it comes from. One rule: a variable
 * already set in the environment wins (as dotenv and Node's `--env-file` do, so a deploy's real
 * setting is never overridden by a file left in the image); among files, a later one wins.
 */
export function variablesFromEnvFiles(
  env: NodeJS.ProcessEnv,
  files: readonly EnvFile[],
): Map<string, { readonly value: string; readonly file: string }> {
  const added = new Map<string, { value: string; file: string }>();
  for (const { file, values } of files) {
    for (const [name, value] of values) if (env[name] === undefined) added.set(name, { value, file });
  }
  return added;
}

/** What the malformed lines of env files mean for a run: refusals (exit 2) and warnings. */
export interface EnvFileProblems {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Judges the lines of env files that could not be read: a line that sets (or looks like it sets)
 * a variable in use — one modkit reads, or one the config reads — is an error (exit 2: the run
 * would go on without it, the embedded SQLite file instead of the database, say), unless that
 * variable is set in the real environment, which would win over the file anyway. Other lines are
 * warnings. Messages name the file, the line and the variable, and quote nothing of the line.
 * `inUse`: who reads each variable (`modkit`, `the config`); names match ignoring case (`Database_Url`).
 */
export function judgeMalformedLines(
  files: readonly EnvFile[],
  inUse: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
): EnvFileProblems {
  const byUpperName = new Map([...inUse].map(([name, by]) => [name.toUpperCase(), { name, by }] as const));
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const { file, malformed } of files) {
    for (const line of malformed) {
      const used = line.names.map((n) => byUpperName.get(n.toUpperCase())).find((u) => u !== undefined);
      const where = `${file}:${line.line}`;
      if (used && env[used.name] === undefined) {
        const sets = line.key === used.name ? 'sets' : 'looks like it sets';
        errors.push(
          `${where} ${sets} ${used.name}, which ${used.by} reads, but ${line.reason}: ${line.fix}, ` +
            `or set ${used.name} in the environment. modkit does not run without it`,
        );
      } else {
        warnings.push(`${where}${line.key ? ` (${line.key})` : ''}: ${line.reason}; ignored`);
      }
    }
  }
  return { errors, warnings };
}
