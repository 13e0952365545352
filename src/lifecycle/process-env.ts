import { CONVENTIONAL_URL_ENV, DATABASE_URL_ENV } from '../config/choose-database.js';
import type { DatabaseTarget } from '../config/types.js';
import { traitsOf } from '../engines/engine-table.js';
import type { LoadedModule } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { INSTANCE_ID_ENV } from './instance-id.js';
import { runtimeTargetFor } from './runtime-databases.js';

/** The variable that holds a child's rendered config, as the seed runtime names it (`MODKIT_MODULE_CONFIG_ENV`). */
export const MODULE_CONFIG_ENV = 'MODKIT_MODULE_CONFIG';
/** The variable that names the module a child runs. */
export const MODULE_NAME_ENV = 'MODKIT_MODULE_NAME';

/**
 * What a child finds in `MODKIT_MODULE_CONFIG`: the seed runtime's `RenderedModuleConfig`
 * (`libs/modkit/src/bootstrap/config/mod.rs`), so that an out-of-process module of the Rust runtime
 * reads it unchanged: `config` is the module's section (`modulesConfig.<name>` without `database`),
 * `database.module.dsn` the URL its `ctx.db` would get. No database: no `database` key (as the seed
 * leaves it out when `None`).
 */
export interface RenderedModuleConfig {
  readonly config: unknown;
  readonly database?: { readonly module: { readonly dsn: string } };
}

export function renderModuleConfig(project: Project, module: LoadedModule): RenderedModuleConfig {
  const config = project.config.modulesConfig[module.name] ?? {};
  const target = runtimeTargetFor(project, module);
  return target ? { config, database: { module: { dsn: childDsn(target) } } } : { config };
}

/**
 * A DSN both runtimes read: a SQLite file by its absolute path (the child's working directory is its
 * own), as `sqlite:///abs/path` (sqlx and modkit both take it); server URLs as configured.
 */
function childDsn(target: DatabaseTarget): string {
  if (!target.filePath) return target.url; // only a file engine's target has a path
  const scheme = traitsOf(target.engine).schemes[0];
  return target.filePath === ':memory:' ? `${scheme}::memory:` : `${scheme}://${target.filePath}`;
}

export interface ChildEnvInputs {
  readonly instanceId: string;
  /** The environment the child inherits from (default: this process's). */
  readonly parent?: NodeJS.ProcessEnv;
  /** Variables the caller read from env files into `parent` (the CLI's `.env`, `--dotenv`): never inherited. */
  readonly envFileVariables?: readonly string[];
}

/**
 * A child's environment: the parent's, minus modkit's own database settings — `MODKIT_DATABASE_URL`,
 * every variable read from an env file, and any variable (`DATABASE_URL` included) whose value is
 * a URL modkit migrates with — plus the module's `process.env`, plus `MODKIT_MODULE_NAME`,
 * `MODKIT_INSTANCE_ID` and `MODKIT_MODULE_CONFIG`. The child's database is the DSN in its config,
 * chosen as `ctx.db` is: with `runtime.url` set, never the privileged URL.
 */
export function childEnvironment(
  project: Project,
  module: LoadedModule,
  inputs: ChildEnvInputs,
): Record<string, string> {
  const parent = inputs.parent ?? process.env;
  const removed = new Set([DATABASE_URL_ENV, ...(inputs.envFileVariables ?? [])]);
  const privileged = privilegedUrls(project);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined || removed.has(name) || privileged.has(value)) continue;
    env[name] = value;
  }
  // DATABASE_URL is the migration URL when modkit chose it as such (its value is then privileged, above).
  if (project.config.database.origin === CONVENTIONAL_URL_ENV) delete env[CONVENTIONAL_URL_ENV];
  Object.assign(env, module.definition.process?.env ?? {});
  env[MODULE_NAME_ENV] = module.name;
  env[INSTANCE_ID_ENV] = inputs.instanceId;
  env[MODULE_CONFIG_ENV] = JSON.stringify(renderModuleConfig(project, module));
  return env;
}

/** The URLs modkit migrates with (the default database and modules' own), as written and as SQLite DSNs. */
function privilegedUrls(project: Project): Set<string> {
  const { database, moduleDatabases } = project.config;
  const targets = [database, ...Object.values(moduleDatabases).map((d) => d.target)];
  // A runtime URL that is also a migration URL (no runtime.url) is the child's DSN anyway; only
  // separate privileged URLs matter, but removing every migration URL keeps the rule simple.
  return new Set(targets.filter((t) => t.source !== 'default').map((t) => t.url));
}
