import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { severitiesOf } from './lint-rules.js';
import { chooseDatabase, type DatabaseChoice, type Expand, type Parse } from './choose-database.js';
import { engineOf, parseDatabaseUrl, withSchema } from './database-url.js';
import { selectEnvironment } from './environments.js';
import { expandEnv } from './expand-env.js';
import type { ConfigOverrides, ModkitConfig, ModuleDatabase, ModuleDatabaseConfig, ResolvedConfig } from './types.js';
import { validateConfig } from './validate-config.js';
import { resolveLifecycleSettings } from './lifecycle-settings.js';

const DEFAULTS = {
  modules: ['modules/*/module.{ts,mts,js,mjs,cjs}'],
  lockTimeoutMs: 60_000,
  dbLockTimeoutMs: 10_000,
  dbLockRetries: 5,
  statementTimeoutMs: 0,
  shutdownDeadlineMs: 35_000,
  lintOnMigrate: 'error',
} as const;

export type ResolveOptions = ConfigOverrides & { readonly cwd: string; readonly env: NodeJS.ProcessEnv };

/**
 * THE precedence of modkit, lowest first (docs/configuration.md), for every setting:
 *
 *   defaults < config file < environment variables < `environments.NAME` (`--env NAME`) < flags
 *
 * The named environment is chosen on the command line, so it ranks with the flags: `--env prod`
 * means prod's database even when a shell or .env exports MODKIT_DATABASE_URL (the first line of
 * output then says that variable is not used). The only settings environment variables give are
 * the database URL's (`MODKIT_DATABASE_URL`, and `DATABASE_URL` below the config: see
 * {@link chooseDatabase}); `${VAR}` references in the config's database settings are expanded
 * here, never in flag or environment values, which come as written. Pure apart from `path.resolve`;
 * every problem is reported at once.
 */
export function resolveConfig(fileConfig: ModkitConfig, configFile: string, options: ResolveOptions): ResolvedConfig {
  const rootDir = dirname(configFile);
  const { config, environment } = selectEnvironment(fileConfig, options.environment, configFile);
  if (environment) {
    // Each block was checked on its own; what they make together must hold too (a module database's url).
    const { errors } = validateConfig(config);
    const where = `${configFile} (with --env ${options.environment})`;
    if (errors.length > 0) throw new UsageError(errors.map((e) => `${where}: ${e}`));
  }
  // Problems are listed in the order of the settings: the database's, then the modules'.
  const problems: string[] = [];
  const moduleProblems: string[] = [];
  const { expand, parse } = configReaders(rootDir, options.env, problems);
  const runtime = lazyUrl(config.runtime?.url, 'runtime.url', expand, configFile);
  const moduleReaders = { ...configReaders(rootDir, options.env, moduleProblems), configFile };
  const { moduleDatabases, modulesConfig } = resolveModuleDatabases(config.modulesConfig ?? {}, moduleReaders);
  const name = options.environment;
  const named = environment && name !== undefined ? { name, database: environment.database } : undefined;
  const choice: DatabaseChoice = chooseDatabase({
    ...options,
    rootDir,
    fileUrl: fileConfig.database?.url,
    ...(named ? { named } : {}),
    runtimeUrls: [runtime, ...Object.values(moduleDatabases)].flatMap((r) => (r.runtimeUrl ? [r.runtimeUrl] : [])),
    hasRuntimeUrl: config.runtime?.url !== undefined,
    hasTargets: config.targets !== undefined,
    expand,
    parse,
  });
  const schema = config.database?.schema === undefined ? undefined : expand(config.database.schema, 'database.schema');
  problems.push(...moduleProblems);
  if (problems.length > 0 || !choice.target) throw new UsageError(problems.map((p) => `${configFile}: ${p}`));
  return {
    configFile,
    rootDir,
    moduleGlobs: config.modules ?? DEFAULTS.modules,
    database: withSchema(choice.target, schema || undefined),
    ...runtime,
    moduleDatabases,
    lockTimeoutMs: options.lockTimeoutMs ?? config.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
    dbTimeouts: {
      lockMs: options.dbLockTimeoutMs ?? config.dbLockTimeoutMs ?? DEFAULTS.dbLockTimeoutMs,
      tries: config.dbLockRetries ?? DEFAULTS.dbLockRetries,
      statementMs: config.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
    },
    shutdownDeadlineMs: config.shutdownDeadlineMs ?? DEFAULTS.shutdownDeadlineMs,
    lifecycle: resolveLifecycleSettings(config),
    lint: { severities: severitiesOf(config.lint?.rules), onMigrate: config.lint?.onMigrate ?? DEFAULTS.lintOnMigrate },
    modulesConfig,
    ...(config.targets !== undefined ? { targets: config.targets } : {}),
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
  };
}

/** How a URL written in the config is read: its `${VAR}`s expanded, then parsed; problems noted in `problems`. */
function configReaders(rootDir: string, env: NodeJS.ProcessEnv, problems: string[]): { expand: Expand; parse: Parse } {
  return {
    expand: (value, where, into = problems) => {
      const expansion = expandEnv(value, `"${where}"`, env);
      into.push(...expansion.problems);
      return expansion.problems.length > 0 ? undefined : expansion.value;
    },
    parse: (url, where) => {
      if (url === undefined) return undefined;
      try {
        return parseDatabaseUrl(url, 'config', rootDir);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        problems.push(`"${where}": ${error.message}`);
        return undefined;
      }
    },
  };
}

/**
 * `modulesConfig.<name>.database` of every module that has one, resolved; and `modulesConfig`
 * without that key, which becomes the modules' `ctx.config` (it may hold a password).
 */
function resolveModuleDatabases(
  modulesConfig: Readonly<Record<string, unknown>>,
  helpers: { readonly expand: Expand; readonly parse: Parse; readonly configFile: string },
): Pick<ResolvedConfig, 'moduleDatabases' | 'modulesConfig'> {
  const { expand, parse, configFile } = helpers;
  const moduleDatabases: Record<string, ModuleDatabase> = {};
  const withoutDatabases: Record<string, unknown> = {};
  for (const [name, moduleConfig] of Object.entries(modulesConfig)) {
    if (
      moduleConfig === null ||
      typeof moduleConfig !== 'object' ||
      Array.isArray(moduleConfig) ||
      !('database' in moduleConfig)
    ) {
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
      target: withSchema(target, schema || undefined),
      ...lazyUrl(block.runtimeUrl, `${key}.runtimeUrl`, expand, configFile),
    };
  }
  return { moduleDatabases, modulesConfig: withoutDatabases };
}

/**
 * A runtime URL: expanded now, but an unset variable in it fails only the runs that open
 * `ctx.db` (the pre-deploy `migrate --only` often runs without the application's credentials).
 */
function lazyUrl(
  url: string | undefined,
  where: string,
  expand: Expand,
  configFile: string,
): { runtimeUrl?: string; runtimeUrlProblem?: string } {
  if (url === undefined) return {};
  const problems: string[] = [];
  const value = expand(url, where, problems);
  // Checked now, not when the lifecycle opens it: an unknown scheme fails before anything runs.
  if (value !== undefined) engineOf(value);
  return value !== undefined
    ? { runtimeUrl: value }
    : { runtimeUrlProblem: problems.map((p) => `${configFile}: ${p}`).join('; ') };
}
