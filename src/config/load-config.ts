import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { importDefault } from '../modules/import-file.js';
import { resolveConfig } from './resolve-config.js';
import type { ConfigOverrides, ResolvedConfig } from './types.js';
import { validateConfig } from './validate-config.js';

export { resolveConfig } from './resolve-config.js';
export { DATABASE_URL_ENV } from './choose-database.js';

/** The file names modkit looks for, in this order, in each directory while walking up. */
export const CONFIG_FILE_NAMES = [
  'modkit.config.ts',
  'modkit.config.mts',
  'modkit.config.js',
  'modkit.config.mjs',
  'modkit.config.cjs',
  'modkit.config.json',
] as const;

/** The env file the CLI reads beside the config file when no `--dotenv` file is given. */
export const ENV_FILE_NAME = '.env';

export interface LoadConfigOptions extends ConfigOverrides {
  /** Path to the config file (`-c`); otherwise found by walking up from `cwd`. */
  readonly configPath?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Import the config file again even if this process imported it before (SIGHUP). */
  readonly fresh?: boolean;
}

/**
 * Finds, loads and validates the config, then applies the one precedence rule of modkit
 * ({@link resolveConfig}): defaults < config file < environment variables < `--env NAME` < flags.
 *
 * "env" is the process environment, which the CLI completes from env files before anything
 * loads (`variablesFromEnvFiles` in config/env-files.ts): a variable set in the real environment wins over the
 * same one in a file, so files only fill in what is not set; and because they are applied before
 * the config file loads, `process.env.X` in the config sees them too.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const configFile = options.configPath ? resolve(cwd, options.configPath) : findConfigFile(cwd);
  if (!existsSync(configFile)) throw new UsageError(`config file not found: ${configFile}`);
  const raw = await readConfigFile(configFile, { fresh: options.fresh === true });
  const { config, errors } = validateConfig(raw);
  if (errors.length > 0) {
    throw new UsageError(errors.map((e) => `${configFile}: ${e}`));
  }
  return resolveConfig(config, configFile, { ...options, cwd, env });
}

/** Walks up from `start` to the filesystem root looking for a config file. */
export function findConfigFile(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(dir) === dir) break;
  }
  throw new UsageError(
    `no modkit config found in ${resolve(start)} or any parent directory ` +
      `(looked for ${CONFIG_FILE_NAMES.join(', ')}); pass one with -c/--config PATH`,
  );
}

/** The config file's default export (a JSON file parsed), not yet validated. */
export async function readConfigFile(file: string, options: { readonly fresh?: boolean } = {}): Promise<unknown> {
  if (extname(file) === '.json') {
    // Synchronous: one small file, and node:fs/promises would cost ~0.9 ms to load on every run.
    const text = readFileSync(file, 'utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new UsageError(`${file}: invalid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return importDefault(file, 'config file', options);
}
