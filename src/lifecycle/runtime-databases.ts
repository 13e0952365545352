import type { Knex } from '../modules/knex-types.js';
import { parseDatabaseUrl } from '../config/database-url.js';
import type { DatabaseTarget } from '../config/types.js';
import { openRuntimeHandle, type RuntimeHandle } from '../db/runtime-handle.js';
import { ModkitError, UsageError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import type { Project } from '../project/load-project.js';

/** The runtime handles of one run: which `ctx.db` each module gets, and how to close them all. */
export interface RuntimeDatabases {
  dbFor(module: LoadedModule): Knex;
  /** The targets opened, for the log. */
  readonly targets: readonly DatabaseTarget[];
  destroy(): Promise<void>;
}

/**
 * Where modules' `ctx.db` points (SPEC §5.3), through a new pool, never the privileged connection.
 * A module with its own database (`modulesConfig.<name>.database`) gets that database: its
 * `runtimeUrl` when configured, else its `url`. Every other module gets `runtime.url` when
 * configured, else the default database's URL. With no database configured at all (the embedded
 * default), only modules that own migrations get the embedded file; the others get a handle that
 * explains, when used, why there is none.
 */
export function runtimeTargetFor(project: Project, module: LoadedModule): DatabaseTarget | undefined {
  const { runtimeUrl, runtimeUrlProblem, database, rootDir, moduleDatabases } = project.config;
  const own = Object.hasOwn(moduleDatabases, module.name) ? moduleDatabases[module.name]! : undefined;
  if (own) {
    if (own.runtimeUrlProblem) throw new UsageError(own.runtimeUrlProblem);
    return own.runtimeUrl ? parseDatabaseUrl(own.runtimeUrl, 'config', rootDir) : own.target;
  }
  // A `${VAR}` of runtime.url that is not set matters only now, when ctx.db is opened.
  if (runtimeUrlProblem) throw new UsageError(runtimeUrlProblem);
  if (runtimeUrl) return parseDatabaseUrl(runtimeUrl, 'config', rootDir);
  if (database.source !== 'default' || module.migrations.length > 0) return database;
  return undefined;
}

/** Opens one pool per distinct target the selected modules need (usually exactly one). */
export async function openRuntimeDatabases(
  project: Project,
  modules: readonly LoadedModule[],
): Promise<RuntimeDatabases> {
  const handles = new Map<string, RuntimeHandle>();
  const byModule = new Map<string, Knex>();
  try {
    for (const module of modules) {
      const target = runtimeTargetFor(project, module);
      if (!target) continue;
      let handle = handles.get(target.url);
      if (!handle) {
        handle = await openRuntimeHandle(target);
        handles.set(target.url, handle);
      }
      byModule.set(module.name, handle.db);
    }
  } catch (error) {
    await Promise.all([...handles.values()].map((h) => h.destroy().catch(() => undefined)));
    throw error;
  }
  return {
    dbFor: (module) => byModule.get(module.name) ?? unavailableDb(module),
    targets: [...handles.values()].map((h) => h.target),
    destroy: async () => {
      await Promise.all([...handles.values()].map((h) => h.destroy().catch(() => undefined)));
    },
  };
}

/**
 * A stand-in for `ctx.db` that throws a clear error on any use (call or property access), so a
 * module that does not need a database loads fine, and one that does learns what to configure.
 */
export function unavailableDb(module: LoadedModule): Knex {
  const fail = (): never => {
    throw new ModkitError(
      'usage',
      `module "${module.name}" (${module.file}) used ctx.db, but it has no database: no database is configured and the module owns no ` +
        'migrations, so it gets no share of the embedded SQLite file. Set database.url or runtime.url in the config ' +
        '(or MODKIT_DATABASE_URL), or give the module a migration.',
      { details: { module: module.name, file: module.file } },
    );
  };
  const target = function unavailable() {} as unknown as Knex;
  return new Proxy(target, {
    apply: fail,
    // Symbols and `then` answer undefined so that inspecting or awaiting ctx does not throw.
    get: (_target, property) => (typeof property === 'symbol' || property === 'then' ? undefined : fail()),
  });
}
