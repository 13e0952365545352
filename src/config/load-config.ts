import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { importDefault } from '../modules/import-file.js';
import { EMBEDDED_SQLITE_PATH, engineOf, parseDatabaseUrl } from './database-url.js';
import { expandEnv } from './expand-env.js';
import type { ConfigOverrides, DatabaseTarget, ModkitConfig, ModuleDatabase, ModuleDatabaseConfig, ResolvedConfig } from './types.js';
import type { EnvFile } from './env-file.js';
import { validateConfig } from './validate-config.js';
import { severitiesOf } from '../lint/rule-table.js';

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
  dbLockTimeoutMs: 10_000,
  dbLockRetries: 5,
  statementTimeoutMs: 0,
  shutdownDeadlineMs: 35_000,
  lintOnMigrate: 'error',
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

/**
 * Applies defaults < file < env < overrides to a validated config, and expands `${VAR}` in the
 * database settings of the config file (never in flag or env values, which come expanded). Pure
 * apart from `path.resolve`. Every unset variable is reported at once, naming the setting.
 */
export function resolveConfig(
  config: ModkitConfig,
  configFile: string,
  options: ConfigOverrides & { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): ResolvedConfig {
  const rootDir = dirname(configFile);
  const problems: string[] = [];
  /** A config value with its `${VAR}`s expanded; undefined (and a problem noted) when one is unset. */
  const expand = (value: string, where: string, into: string[] = problems): string | undefined => {
    const expansion = expandEnv(value, `"${where}"`, options.env);
    into.push(...expansion.problems);
    return expansion.problems.length > 0 ? undefined : expansion.value;
  };
  const parse = (url: string | undefined, where: string): DatabaseTarget | undefined => {
    if (url === undefined) return undefined;
    try {
      return parseDatabaseUrl(url, 'config', rootDir);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(`"${where}": ${error.message}`);
      return undefined;
    }
  };

  // The config's URL is expanded only when it wins: an unset variable in a URL that a flag
  // overrides is no reason to fail.
  const database: DatabaseTarget | undefined =
    explicitDatabase(options) ??
    (config.database?.url
      ? parse(expand(config.database.url, 'database.url'), 'database.url')
      : parseDatabaseUrl(`sqlite:${join(rootDir, EMBEDDED_SQLITE_PATH)}`, 'default', rootDir));
  const schema = config.database?.schema === undefined ? undefined : expand(config.database.schema, 'database.schema');
  const runtime = lazyUrl(config.runtime?.url, 'runtime.url', expand, configFile);
  const { moduleDatabases, modulesConfig } = resolveModuleDatabases(config.modulesConfig ?? {}, { expand, parse, configFile });
  if (problems.length > 0 || !database) throw new UsageError(problems.map((p) => `${configFile}: ${p}`));
  return {
    configFile,
    rootDir,
    moduleGlobs: config.modules ?? DEFAULTS.modules,
    database: schema ? { ...database, schema } : database,
    ...runtime,
    moduleDatabases,
    lockTimeoutMs: options.lockTimeoutMs ?? config.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
    dbTimeouts: {
      lockMs: options.dbLockTimeoutMs ?? config.dbLockTimeoutMs ?? DEFAULTS.dbLockTimeoutMs,
      tries: config.dbLockRetries ?? DEFAULTS.dbLockRetries,
      statementMs: config.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
    },
    shutdownDeadlineMs: config.shutdownDeadlineMs ?? DEFAULTS.shutdownDeadlineMs,
    lint: { severities: severitiesOf(config.lint?.rules), onMigrate: config.lint?.onMigrate ?? DEFAULTS.lintOnMigrate },
    modulesConfig,
    ...(config.targets !== undefined ? { targets: config.targets } : {}),
  };
}

type Expand = (value: string, where: string, into?: string[]) => string | undefined;

/**
 * `modulesConfig.<name>.database` of every module that has one, resolved; and `modulesConfig`
 * without that key, which becomes the modules' `ctx.config` (it may hold a password).
 */
function resolveModuleDatabases(
  modulesConfig: Readonly<Record<string, unknown>>,
  helpers: { readonly expand: Expand; readonly parse: (url: string | undefined, where: string) => DatabaseTarget | undefined; readonly configFile: string },
): Pick<ResolvedConfig, 'moduleDatabases' | 'modulesConfig'> {
  const { expand, parse, configFile } = helpers;
  const moduleDatabases: Record<string, ModuleDatabase> = {};
  const withoutDatabases: Record<string, unknown> = {};
  for (const [name, moduleConfig] of Object.entries(modulesConfig)) {
    if (moduleConfig === null || typeof moduleConfig !== 'object' || Array.isArray(moduleConfig) || !('database' in moduleConfig)) {
      withoutDatabases[name] = moduleConfig;
      continue;
    }
    const { database: block, ...rest } = moduleConfig as { database: ModuleDatabaseConfig } & Record<string, unknown>;
    withoutDatabases[name] = rest;
    const key = `modulesConfig.${name}.database`;
    const target = typeof block.url === 'string' ? parse(expand(block.url, `${key}.url`), `${key}.url`) : undefined;
    const schema = block.schema === undefined ? undefined : expand(block.schema, `${key}.schema`);
    if (!target) continue;
    moduleDatabases[name] = {
      target: schema ? { ...target, schema } : target,
      ...lazyUrl(block.runtimeUrl, `${key}.runtimeUrl`, expand, configFile),
    };
  }
  return { moduleDatabases, modulesConfig: withoutDatabases };
}

/**
 * A runtime URL: expanded now, but an unset variable in it fails only the runs that open
 * `ctx.db` (the pre-deploy `migrate --only` often runs without the application's credentials).
 */
function lazyUrl(url: string | undefined, where: string, expand: Expand, configFile: string): { runtimeUrl?: string; runtimeUrlProblem?: string } {
  if (url === undefined) return {};
  const problems: string[] = [];
  const value = expand(url, where, problems);
  // Checked now, not when the lifecycle opens it: an unknown scheme fails before anything runs.
  if (value !== undefined) engineOf(value);
  return value !== undefined ? { runtimeUrl: value } : { runtimeUrlProblem: problems.map((p) => `${configFile}: ${p}`).join('; ') };
}

/**
 * The database URL given by the flag, else the env var (undefined: neither; the config's, else the
 * embedded default, then applies). A value that is given but empty is an error, never a reason to
 * fall through: an unset CI secret (`--database-url "$DB"`, `MODKIT_DATABASE_URL: ${{ secrets.DB }}`)
 * would otherwise migrate a throwaway SQLite file and report success. To fall back on purpose, leave
 * the flag out or unset the variable. (An empty `database.url` in the config is refused by validateConfig.)
 */
function explicitDatabase(options: ConfigOverrides & { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): DatabaseTarget | undefined {
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
  return undefined;
}

function isBlank(value: string): boolean {
  return value.trim() === '';
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
