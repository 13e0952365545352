import type { LoadedModule, ModuleContext, ModuleLogger } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { INSTANCE_ID } from './pre-init.js';
import type { RuntimeDatabases } from './runtime-databases.js';
import type { LifecycleSink } from './types.js';

/**
 * A module's logger. Lines go to the injected sink tagged with the module name (the CLI prints
 * them as `name: message`), never to the console directly: only `src/cli` writes to the terminal.
 */
export function createModuleLogger(name: string, emit: LifecycleSink): ModuleLogger {
  const write = (level: 'info' | 'warn' | 'error') => (message: string) => emit({ type: 'log', module: name, level, message: String(message) });
  return Object.freeze({ info: write('info'), warn: write('warn'), error: write('error') });
}

/** The `ctx` a module's `init` receives (SPEC §2.2). */
export function createModuleContext(
  project: Project,
  module: LoadedModule,
  databases: RuntimeDatabases,
  signal: AbortSignal,
  emit: LifecycleSink,
): ModuleContext {
  return Object.freeze({
    name: module.name,
    config: project.config.modulesConfig[module.name],
    db: databases.dbFor(module),
    log: createModuleLogger(module.name, emit),
    signal,
    instanceId: INSTANCE_ID,
  });
}
