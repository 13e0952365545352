import { UsageError } from '../errors.js';
import { importDefault } from './import-file.js';
import { loadMigrations } from './load-migrations.js';
import { matchGlobs } from './match-globs.js';
import { unfinishedProblem } from './unfinished.js';
import type { LoadedModule, ModuleDefinition } from './types.js';
import { validateModuleDefinition } from './validate-definition.js';

interface Discovered {
  readonly module?: LoadedModule;
  readonly problems: readonly string[];
}

/**
 * Finds module files by the config's globs, imports them, checks their shape and lists their
 * migrations. Every problem across all modules is reported at once (exit 2), in file order.
 */
export async function discoverModules(
  rootDir: string,
  globs: readonly string[],
  { allowUnfinished = false }: { readonly allowUnfinished?: boolean } = {},
): Promise<LoadedModule[]> {
  const files = matchGlobs(rootDir, globs);
  if (files.length === 0) {
    throw new UsageError(`no module files match ${globs.map((g) => `"${g}"`).join(', ')} in ${rootDir}`);
  }
  const results = await Promise.all(files.map(discoverModule));
  const problems = results.flatMap((r) => r.problems);
  // An unfinished migration is refused like any file problem (modules/unfinished.ts).
  if (!allowUnfinished) problems.push(...results.flatMap((r) => r.module?.unfinished ?? []).map(unfinishedProblem));
  if (problems.length > 0) throw new UsageError(problems);
  return results.map((r) => r.module!);
}

async function discoverModule(file: string): Promise<Discovered> {
  let value: unknown;
  try {
    value = await importDefault(file, 'module file');
  } catch (error) {
    return { problems: [(error as Error).message] };
  }
  const shapeProblems = validateModuleDefinition(value, file);
  if (shapeProblems.length > 0) return { problems: shapeProblems };
  const definition = value as ModuleDefinition;
  const result = loadMigrations(definition.name, file, definition.migrations);
  const module: LoadedModule = {
    name: definition.name,
    deps: [...new Set(definition.deps ?? [])],
    system: definition.system ?? false,
    file,
    ...(result.migrationsDir ? { migrationsDir: result.migrationsDir } : {}),
    migrations: result.migrations,
    ...(result.unfinished.length > 0 ? { unfinished: result.unfinished } : {}),
    definition,
  };
  return { module, problems: result.problems };
}
