import { loadConfig, type LoadConfigOptions } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/types.js';
import { orderModules, selectWithDependencies, type GraphNode, type ModuleOrder } from '../graph/module-graph.js';
import { discoverModules } from '../modules/discover-modules.js';
import type { LoadedModule } from '../modules/types.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';

/** A user's project, loaded and checked: config, modules and their order. */
export interface Project {
  readonly config: ResolvedConfig;
  /** Every module, in system-first order (the order of the db and start phases). */
  readonly modules: readonly LoadedModule[];
  readonly order: ModuleOrder;
  readonly byName: ReadonlyMap<string, LoadedModule>;
  readonly nodes: readonly GraphNode[];
}

export interface LoadProjectOptions extends LoadConfigOptions {
  /**
   * Load even when a migration is unfinished (a stub `modkit new` wrote, not filled in yet): it is
   * listed in the module's `unfinished`, never among its `migrations`. For callers that apply
   * nothing (`new`, `graph`, `validate`). Default: refuse it (exit 2), naming the file.
   */
  readonly allowUnfinished?: boolean;
  /** The config, when the caller has loaded it already (the CLI looks for fleet targets in it first). */
  readonly config?: ResolvedConfig;
}

/**
 * Loads the config, discovers and imports the modules, checks the graph and orders it.
 * Throws a UsageError (exit 2) listing every problem found.
 *
 * @example
 * ```ts
 * import { loadProject } from 'modkit';
 * const project = await loadProject({ configPath: 'modkit.config.ts' });
 * console.log(project.order.systemFirst);
 * ```
 */
export async function loadProject(options: LoadProjectOptions = {}): Promise<Project> {
  const config = options.config ?? (await loadConfig(options));
  const discovered = await discoverModules(config.rootDir, config.moduleGlobs, {
    allowUnfinished: options.allowUnfinished === true,
  });
  const nodes = discovered.map((m): GraphNode => ({ name: m.name, deps: m.deps, system: m.system, file: m.file }));
  const order = orderModules(nodes);
  const byName = new Map(discovered.map((m) => [m.name, m]));
  refuseUnknownModuleDatabases(config, [...byName.keys()]);
  return { config, modules: order.systemFirst.map((name) => byName.get(name)!), order, byName, nodes };
}

/**
 * A database configured for a module that does not exist is a typo until proven otherwise: left
 * alone, the module it meant would quietly migrate into the default database (exit 2).
 */
function refuseUnknownModuleDatabases(config: ResolvedConfig, names: readonly string[]): void {
  const known = new Set(names);
  const unknown = Object.keys(config.moduleDatabases).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  throw new UsageError(
    unknown.map(
      (name) =>
        `${config.configFile}: "modulesConfig.${name}.database" is set, but there is no module "${name}"${didYouMean(name, names)}; ` +
        "a module's own database must be keyed by its exact name, or that module would migrate into the default database",
    ),
  );
}

/**
 * The modules `--module` selects (each named module and everything it depends on), in
 * system-first order; all modules when none are named.
 */
export function selectModules(project: Project, names: readonly string[] | undefined): readonly LoadedModule[] {
  if (!names || names.length === 0) return project.modules;
  const keep = new Set(selectWithDependencies(project.nodes, names));
  return project.modules.filter((m) => keep.has(m.name));
}
