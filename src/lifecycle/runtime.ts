import type { ResolvedConfig } from '../config/types.js';
import { loadConfig } from '../config/load-config.js';
import type { LoadedModule } from '../modules/types.js';
import type { Project } from '../project/load-project.js';
import { HealthChecker } from './health-checks.js';
import type { ModuleHandle } from './module-context.js';
import { reloadModules } from './reload.js';
import { RuntimeStatus, type RuntimeStatusDocument } from './runtime-status.js';
import { ServiceRegistry } from './services.js';
import type { LifecycleSink, Readiness, ReloadReport, RuntimeControl } from './types.js';

export interface RuntimeOptions {
  readonly instanceId: string;
  /** Where events go after the status model has seen them (reporters). */
  readonly onEvent?: LifecycleSink;
  /** How SIGHUP reads the config again; default: the same config file, imported afresh. */
  readonly reloadConfig?: () => Promise<ResolvedConfig>;
}

/**
 * One full-mode run while it lives: the selected modules, their contexts once `init` made them,
 * the services they share, and the status model every event passes through. It is what the health
 * server, SIGHUP and library users hold ({@link RuntimeControl}); the phases (run-lifecycle.ts) drive it.
 */
export class Runtime implements RuntimeControl {
  readonly model: RuntimeStatus;
  readonly services: ServiceRegistry;
  /** Every event of the run goes through here: the status model first, then the reporters. */
  readonly emit: LifecycleSink;
  readonly reloadConfig: () => Promise<ResolvedConfig>;
  /** Aborts when the application shuts down (set by the lifecycle once it begins). */
  signal: AbortSignal = new AbortController().signal;
  private readonly handles = new Map<string, ModuleHandle>();
  private readonly health: HealthChecker;
  private reloads: Promise<unknown> = Promise.resolve();
  private queuedReload: Promise<ReloadReport> | undefined;

  constructor(
    readonly project: Project,
    /** The selected modules, in system-first order. */
    readonly modules: readonly LoadedModule[],
    options: RuntimeOptions,
  ) {
    this.model = new RuntimeStatus(options.instanceId, modules);
    this.services = new ServiceRegistry(project);
    const onEvent = options.onEvent;
    this.emit = (event) => {
      this.model.apply(event);
      onEvent?.(event);
    };
    this.health = new HealthChecker(project.config, this.emit);
    const configPath = project.config.configFile;
    this.reloadConfig = options.reloadConfig ?? (() => loadConfig({ configPath, fresh: true }));
  }

  get instanceId(): string {
    return this.model.instanceId;
  }

  /** Registers a module's handle (its `ctx`), made at the beginning of the init phase. */
  attach(handle: ModuleHandle): void {
    this.handles.set(handle.module.name, handle);
  }

  handle(name: string): ModuleHandle | undefined {
    return this.handles.get(name);
  }

  /** The handles of the modules running now, in system-first order. */
  running(): ModuleHandle[] {
    return this.modules.flatMap((m) => {
      const handle = this.handles.get(m.name);
      return handle && this.model.module(m.name)?.state === 'running' ? [handle] : [];
    });
  }

  status(): RuntimeStatusDocument {
    return this.model.document();
  }

  live(): boolean {
    return this.model.runtimeState !== 'failed';
  }

  async readiness(): Promise<Readiness> {
    const notRunning = this.notRunning();
    if (notRunning) return { ready: false, reasons: [notRunning] };
    const reasons: string[] = [];
    for (const m of this.modules) {
      const status = this.model.module(m.name);
      if (status?.restarting) reasons.push(`module "${m.name}" is restarting its run task`);
      const child = status?.process;
      if (child && child.state !== 'ready' && child.state !== 'exited') {
        reasons.push(`module "${m.name}": its process is ${child.state}`);
      }
    }
    for (const verdict of await this.health.check(this.running())) {
      if (verdict.ok) continue;
      reasons.push(`module "${verdict.module}" unhealthy${verdict.detail ? `: ${verdict.detail}` : ''}`);
    }
    // Shutdown may have begun while the modules answered.
    const since = this.notRunning();
    return { ready: reasons.length === 0 && !since, reasons: since ? [since, ...reasons] : reasons };
  }

  /**
   * SIGHUP. Reloads run one at a time; a SIGHUP that comes while one runs queues one more (which
   * reads the newest config), and further ones join that queued reload.
   */
  reload(): Promise<ReloadReport> {
    if (this.queuedReload) return this.queuedReload;
    const queued = this.reloads.then(() => {
      this.queuedReload = undefined;
      return reloadModules(this);
    });
    this.queuedReload = queued;
    this.reloads = queued.catch(() => undefined);
    return queued;
  }

  /** Why the runtime is not serving (`starting (db phase)`, `draining`…), or undefined while running. */
  private notRunning(): string | undefined {
    const state = this.model.runtimeState;
    if (state === 'running') return undefined;
    const phase = this.model.currentPhase;
    return state === 'starting' && phase ? `starting (${phase} phase)` : state;
  }
}
