import { randomUUID } from 'node:crypto';
import { ModkitError } from '../errors.js';
import type { LoadedModule, SystemContext } from '../modules/types.js';
import type { Project } from '../project/load-project.js';

/** One UUID per process (SPEC §2.2 `instanceId`). */
export const INSTANCE_ID = randomUUID();

/** The read-only view of the application that system modules' preInit/postInit receive. */
export function systemContext(project: Project): SystemContext {
  return Object.freeze({
    instanceId: INSTANCE_ID,
    modules: Object.freeze(project.modules.map((m) => Object.freeze({ name: m.name, deps: [...m.deps], system: m.system }))),
    order: Object.freeze([...project.order.systemFirst]),
  });
}

/** Phase 1, pre_init: system modules' `preInit`, in topological order. */
export async function runPreInit(project: Project, selected: readonly LoadedModule[]): Promise<void> {
  const names = new Set(selected.map((m) => m.name));
  const sys = systemContext(project);
  for (const name of project.order.topological) {
    const module = project.byName.get(name)!;
    if (!names.has(name) || !module.system || !module.definition.preInit) continue;
    try {
      await module.definition.preInit(sys);
    } catch (error) {
      throw new ModkitError('migration-failed', `preInit of module "${name}" (${module.file}) failed: ${(error as Error)?.message ?? error}`, {
        cause: error,
        details: { module: name, phase: 'pre_init', file: module.file },
      });
    }
  }
}
