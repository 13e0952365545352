import type { GraphNode } from '../../src/graph/module-graph.js';
import type { LoadedModule, Migration } from '../../src/modules/types.js';
import type { AppliedRecord, ModuleHistory } from '../../src/plan/types.js';

/** In-memory modules and histories for the pure planners' unit tests. */
export function migration(module: string, id: string, checksum = `sum-${module}-${id}`): Migration {
  return {
    id,
    module,
    format: 'sql',
    file: `/p/modules/${module}/migrations/${id}.up.sql`,
    downFile: `/p/modules/${module}/migrations/${id}.down.sql`,
    checksum,
  };
}

export function loadedModule(
  name: string,
  ids: readonly string[],
  deps: readonly string[] = [],
  system = false,
): LoadedModule {
  return {
    name,
    deps,
    system,
    file: `/p/modules/${name}/module.mjs`,
    migrationsDir: `/p/modules/${name}/migrations`,
    migrations: ids.map((id) => migration(name, id)),
    definition: { name, deps, system, migrations: './migrations' },
  };
}

export function record(
  version: string,
  checksum: string | null,
  state: AppliedRecord['state'] = 'applied',
): AppliedRecord {
  return { version, appliedAt: new Date(0), checksum, durationMs: 1, state, runId: null };
}

/** A history where each id is recorded with the checksum `migration()` gives it, unless overridden. */
export function history(
  module: string,
  ids: readonly string[],
  overrides: Partial<Record<string, Partial<AppliedRecord>>> = {},
  missingColumns: string[] = [],
): ModuleHistory {
  return {
    module,
    table: `t_${module}`,
    exists: true,
    missingColumns,
    legacyAppliedAt: false,
    records: ids.map((id) => ({ ...record(id, `sum-${module}-${id}`), ...overrides[id] })),
  };
}

export function nodesOf(modules: readonly LoadedModule[]): GraphNode[] {
  return modules.map((m) => ({ name: m.name, deps: m.deps, system: m.system, file: m.file }));
}
