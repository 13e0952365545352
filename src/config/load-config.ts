import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { importDefault } from '../modules/import-file.js';
import { EMBEDDED_SQLITE_PATH, engineOf, parseDatabaseUrl } from './database-url.js';
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
  const runtimeUrl = config.runtime?.url;
  // Checked now, not when the lifecycle opens it: an unknown scheme fails before anything runs.
  if (runtimeUrl) engineOf(runtimeUrl);
  return {
    configFile,
    rootDir,
    moduleGlobs: config.modules ?? DEFAULTS.modules,
    database: resolveDatabase(config, rootDir, options),
    ...(runtimeUrl ? { runtimeUrl } : {}),
    lockTimeoutMs: options.lockTimeoutMs ?? config.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
    shutdownDeadlineMs: config.shutdownDeadlineMs ?? DEFAULTS.shutdownDeadlineMs,
    modulesConfig: config.modulesConfig ?? {},
  };
}

/**
 * The database URL: the flag, else the env var, else the config, else the embedded default. A value
 * that is given but empty is an error, never a reason to fall through: an unset CI secret
 * (`--database-url "$DB"`, `MODKIT_DATABASE_URL: ${{ secrets.DB }}`) would otherwise migrate a
 * throwaway SQLite file and report success. To fall back on purpose, leave the flag out or unset
 * the variable. (An empty `database.url` in the config is refused by validateConfig.)
 */
function resolveDatabase(
  config: ModkitConfig,
  rootDir: string,
  options: ConfigOverrides & { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): DatabaseTarget {
  if (options.databaseUrl !== undefined) {
    if (isBlank(options.databaseUrl)) {
      throw new UsageError(
        '--database-url is empty (an unset variable in the command line?): pass a database URL, or leave the flag out ' +
          'to use MODKIT_DATABASE_URL, database.url in the config or the embedded SQLite default',
      );
    }
    return parseDatabaseUrl(options.databaseUrl, 'flag', options.cwd);
  }
  const envUrl = options.env[DATABASE_URL_ENV];
  if (envUrl !== undefined) {
    if (isBlank(envUrl)) {
      throw new UsageError(
        `${DATABASE_URL_ENV} is set but empty (an unset CI secret?): set it to a database URL, or unset it ` +
          '(`unset MODKIT_DATABASE_URL`) to use database.url in the config or the embedded SQLite default',
      );
    }
    return parseDatabaseUrl(envUrl, 'env', options.cwd);
  }
  if (config.database?.url) return parseDatabaseUrl(config.database.url, 'config', rootDir);
  return parseDatabaseUrl(`sqlite:${join(rootDir, EMBEDDED_SQLITE_PATH)}`, 'default', rootDir);
}

function isBlank(value: string): boolean {
  return value.trim() === '';
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
