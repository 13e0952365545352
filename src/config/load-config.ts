import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { importDefault } from '../modules/import-file.js';
import { EMBEDDED_SQLITE_PATH, parseDatabaseUrl } from './database-url.js';
import type { EnvFile } from './env-file.js';
import type { ConfigOverrides, DatabaseTarget, ModkitConfig, ResolvedConfig } from './types.js';
import { validateConfig } from './validate-config.js';

/** The file names modkit looks for, in this order, in each directory while walking up. */
export const CONFIG_FILE_NAMES = [
  'modkit.config.ts',
  'modkit.config.mts',
  'modkit.config.js',
  'modkit.config.mjs',
  'modkit.config.cjs',
  'modkit.config.json',
] as const;

/** The env var that overrides the config's database URL (flags override it in turn). */
export const DATABASE_URL_ENV = 'MODKIT_DATABASE_URL';

/** The env file the CLI reads beside the config file when no `--dotenv` file is given. */
export const ENV_FILE_NAME = '.env';

const DEFAULTS = {
  modules: ['modules/*/module.{ts,mts,js,mjs,cjs}'],
  lockTimeoutMs: 60_000,
  shutdownDeadlineMs: 35_000,
} as const;

export interface LoadConfigOptions extends ConfigOverrides {
  /** Path to the config file (`-c`); otherwise found by walking up from `cwd`. */
  readonly configPath?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Finds, loads and validates the config, then applies the one precedence rule of modkit:
 * defaults < config file < env (`MODKIT_DATABASE_URL`) < flags / explicit options.
 *
 * "env" is the process environment, which the CLI completes from env files before anything
 * loads ({@link variablesFromEnvFiles}): a variable set in the real environment wins over the
 * same one in a file, so files only fill in what is not set; and because they are applied before
 * the config file loads, `process.env.X` in the config sees them too.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const configFile = options.configPath ? resolve(cwd, options.configPath) : findConfigFile(cwd);
  if (!existsSync(configFile)) throw new UsageError(`config file not found: ${configFile}`);
  const raw = await readConfigFile(configFile);
  const { config, errors } = validateConfig(raw);
  if (errors.length > 0) {
    throw new UsageError(errors.map((e) => `${configFile}: ${e}`));
  }
  return resolveConfig(config, configFile, { ...options, cwd, env });
}

/** Applies defaults < file < env < overrides to a validated config. Pure apart from `path.resolve`. */
export function resolveConfig(
  config: ModkitConfig,
  configFile: string,
  options: ConfigOverrides & { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): ResolvedConfig {
  const rootDir = dirname(configFile);
  const envUrl = options.env[DATABASE_URL_ENV] || undefined;
  const database: DatabaseTarget = options.databaseUrl
    ? parseDatabaseUrl(options.databaseUrl, 'flag', options.cwd)
    : envUrl
      ? parseDatabaseUrl(envUrl, 'env', options.cwd)
      : config.database?.url
        ? parseDatabaseUrl(config.database.url, 'config', rootDir)
        : parseDatabaseUrl(`sqlite:${join(rootDir, EMBEDDED_SQLITE_PATH)}`, 'default', rootDir);
  const runtimeUrl = config.runtime?.url;
  return {
    configFile,
    rootDir,
    moduleGlobs: config.modules ?? DEFAULTS.modules,
    database,
    ...(runtimeUrl ? { runtimeUrl } : {}),
    lockTimeoutMs: options.lockTimeoutMs ?? config.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
    shutdownDeadlineMs: config.shutdownDeadlineMs ?? DEFAULTS.shutdownDeadlineMs,
    modulesConfig: config.modulesConfig ?? {},
  };
}

/**
 * Which env files the CLI reads: the `--dotenv` paths (relative to `cwd`) when given, else the
 * `.env` beside the config file when there is one. Never throws: without a config the command
 * reports that itself.
 */
export function envFilesFor(options: { readonly envFiles?: readonly string[]; readonly configPath?: string; readonly cwd?: string }): string[] {
  const cwd = options.cwd ?? process.cwd();
  if (options.envFiles && options.envFiles.length > 0) return options.envFiles.map((f) => resolve(cwd, f));
  try {
    const beside = join(dirname(options.configPath ? resolve(cwd, options.configPath) : findConfigFile(cwd)), ENV_FILE_NAME);
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
export function variablesFromEnvFiles(env: NodeJS.ProcessEnv, files: readonly EnvFile[]): Map<string, { readonly value: string; readonly file: string }> {
  const added = new Map<string, { value: string; file: string }>();
  for (const { file, values } of files) {
    for (const [name, value] of values) if (env[name] === undefined) added.set(name, { value, file });
  }
  return added;
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

async function readConfigFile(file: string): Promise<unknown> {
  if (extname(file) === '.json') {
    // Synchronous: one small file, and node:fs/promises would cost ~0.9 ms to load on every run.
    const text = readFileSync(file, 'utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new UsageError(`${file}: invalid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return importDefault(file, 'config file');
}
