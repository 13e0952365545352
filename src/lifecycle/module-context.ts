import type { LoadedModule, ModuleContext, ModuleLogger, ModuleServices, SystemContext } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import type { Knex } from '../modules/knex-types.js';
import type { LifecycleSink } from './types.js';

/**
 * A module's logger. Lines go to the injected sink tagged with the module name (the CLI prints
 * them as `name: message`), never to the console directly: only `src/cli` writes to the terminal.
 */
export function createModuleLogger(name: string, emit: LifecycleSink): ModuleLogger {
  const write = (level: 'info' | 'warn' | 'error') => (message: string) =>
    emit({ type: 'log', module: name, level, message: String(message) });
  return Object.freeze({ info: write('info'), warn: write('warn'), error: write('error') });
}

/** What a module's `ctx` is made of. */
export interface ContextParts {
  readonly db: Knex;
  readonly signal: AbortSignal;
  readonly instanceId: string;
  readonly services: ModuleServices;
  readonly emit: LifecycleSink;
}

/**
 * One module at run time: its `ctx` (SPEC §2.2), handed to every hook from `init` on, and the
 * config it runs with. `ctx.config` reads {@link config}, which a successful `reload(ctx)` replaces,
 * so a module that kept its `ctx` sees the config it accepted.
 */
export class ModuleHandle {
  readonly ctx: ModuleContext;
  config: unknown;

  constructor(
    readonly module: LoadedModule,
    config: unknown,
    private readonly parts: ContextParts,
  ) {
    this.config = config;
    this.ctx = this.contextWith(() => this.config);
  }

  /** A `ctx` whose `config` is `config` (what `reload(ctx)` receives: the new config, not yet accepted). */
  reloadContext(config: unknown): ModuleContext {
    return this.contextWith(() => config);
  }

  private contextWith(config: () => unknown): ModuleContext {
    const { db, signal, instanceId, services, emit } = this.parts;
    const log = createModuleLogger(this.module.name, emit);
    return Object.freeze({
      name: this.module.name,
      get config() {
        return config();
      },
      db,
      log,
      signal,
      instanceId,
      services,
    });
  }
}

/** The read-only view of the application that a system module's preInit/postInit receives, with its services. */
export function systemContext(project: Project, instanceId: string, services: ModuleServices): SystemContext {
  return Object.freeze({
    instanceId,
    modules: Object.freeze(
      project.modules.map((m) => Object.freeze({ name: m.name, deps: [...m.deps], system: m.system })),
    ),
    order: Object.freeze([...project.order.systemFirst]),
    services,
  });
}
