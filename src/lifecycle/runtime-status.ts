import type { ExecuteEvent } from '../execute/types.js';
import type { LoadedModule } from '../modules/types.js';
import type { HookPhase, LifecycleEvent, LifecyclePhase, ProcessState, ReloadReport, ReloadResult } from './types.js';
import type { RuntimeState } from './types.js';

/** A module's last `health(ctx)` answer. */
export interface HealthAnswer {
  readonly ok: boolean;
  readonly detail?: string;
  readonly at: string;
  readonly durationMs: number;
}

/** How many exits and events of a child `/status` keeps (the newest). */
const KEPT = 10;

/** One exit of a child: its pid, its exit code or the signal that ended it. */
export interface ProcessExit {
  readonly pid: number | null;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: string;
}

/** An out-of-process module's child in `GET /status` (never its arguments or environment). */
export interface ProcessStatus {
  /** The program (`process.command`). */
  readonly command: string;
  /** The child running now (or the last one); null before it was spawned. */
  readonly pid: number | null;
  readonly state: ProcessState;
  /** How many times it was respawned. */
  readonly restarts: number;
  /** Its exits, oldest first (the last 10): the pid, the exit code or the signal that ended it. */
  readonly exits: readonly ProcessExit[];
  /** JSON lines it printed on stdout other than its ready line (the last 10), and how many in all. */
  readonly events: readonly { readonly at: string; readonly event: Readonly<Record<string, unknown>> }[];
  readonly eventCount: number;
}

/** One module in `GET /status`. */
export interface ModuleStatus {
  readonly name: string;
  readonly system: boolean;
  readonly state: RuntimeState;
  /** The hook running now (`init`, `start`, `run` while its task runs, `stop`…), or null. */
  readonly phase: HookPhase | null;
  /** The last `health(ctx)` answer; null before the first `/readyz`, or without a `health` hook. */
  readonly health: HealthAnswer | null;
  /** How many times its `run` task was restarted. */
  readonly restarts: number;
  /** True between a failed (or, with `restart: 'always'`, ended) task and its restart. */
  readonly restarting: boolean;
  /** The outcome of its last `reload(ctx)`. */
  readonly lastReload: { readonly at: string; readonly status: ReloadResult['status']; readonly error?: string } | null;
  /** Only for a module that declares `process`: its child. */
  readonly process?: ProcessStatus;
}

/** The `GET /status` document. Never holds a config value or a URL. */
export interface RuntimeStatusDocument {
  readonly state: RuntimeState;
  /** The pipeline phase running now (`db`, `init`, …, `wait`, `stop`), or null. */
  readonly phase: LifecyclePhase | null;
  readonly instanceId: string;
  readonly startedAt: string;
  readonly uptimeMs: number;
  readonly modules: readonly ModuleStatus[];
  /** Migrations this run applied (module, id, ms). */
  readonly migrations: readonly { readonly module: string; readonly id: string; readonly durationMs: number }[];
  /** The last SIGHUP reload, or null. */
  readonly lastReload: ReloadReport | null;
  readonly reloads: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A module's status before anything happened to it. */
const FRESH = {
  state: 'starting',
  phase: null,
  health: null,
  restarts: 0,
  restarting: false,
  lastReload: null,
} as const;

/**
 * The status model of a run: a reducer over the events the pipeline emits (runtime and module
 * states, hooks, task restarts, health answers, reloads, migrations). The health server and
 * library users read {@link document}; whatever emits an event is reflected here, with no other
 * bookkeeping: a new kind of module (a child process) only needs events of its own.
 */
export class RuntimeStatus {
  private state: RuntimeState = 'starting';
  private phase: LifecyclePhase | null = null;
  private readonly modules = new Map<string, Mutable<ModuleStatus>>();
  private readonly migrations: { module: string; id: string; durationMs: number }[] = [];
  private lastReload: ReloadReport | null = null;
  private reloads = 0;
  private readonly started = Date.now();

  constructor(
    readonly instanceId: string,
    modules: readonly LoadedModule[],
  ) {
    for (const m of modules) {
      const command = m.definition.process?.command;
      const child = command === undefined ? {} : { process: freshProcess(command) };
      this.modules.set(m.name, { name: m.name, system: m.system, ...FRESH, ...child });
    }
  }

  get runtimeState(): RuntimeState {
    return this.state;
  }

  get currentPhase(): LifecyclePhase | null {
    return this.phase;
  }

  module(name: string): ModuleStatus | undefined {
    return this.modules.get(name);
  }

  apply(event: LifecycleEvent): void {
    const module = 'module' in event && event.module ? this.modules.get(event.module) : undefined;
    switch (event.type) {
      case 'state':
        if (!event.module) this.state = event.state;
        else if (module) module.state = event.state;
        break;
      case 'phase':
        this.phase = event.status === 'begin' ? event.phase : null;
        break;
      case 'hook-start':
        if (module) (module.phase = event.phase), (module.restarting = false);
        break;
      case 'hook':
        if (module) module.phase = null;
        if (module && event.phase === 'reload') {
          const error = event.error ? { error: event.error } : {};
          module.lastReload = { at: new Date().toISOString(), status: event.status, ...error };
        }
        break;
      case 'task-restart':
        if (module) (module.restarts += 1), (module.restarting = true);
        break;
      case 'process':
      case 'process-event':
        if (module?.process) module.process = applyProcessEvent(module.process, event);
        break;
      case 'health':
        if (!module) break;
        module.health = {
          ok: event.ok,
          ...(event.detail ? { detail: event.detail } : {}),
          at: new Date().toISOString(),
          durationMs: event.durationMs,
        };
        break;
      case 'reload':
        this.lastReload = event.report;
        this.reloads += 1;
        break;
    }
  }

  /** Migrations this run applied, from the db phase's events. */
  applyMigration(event: ExecuteEvent): void {
    if (event.type === 'migration-done' && event.result.status === 'applied') {
      this.migrations.push({ module: event.result.module, id: event.result.id, durationMs: event.result.durationMs });
    }
  }

  document(): RuntimeStatusDocument {
    return {
      state: this.state,
      phase: this.phase,
      instanceId: this.instanceId,
      startedAt: new Date(this.started).toISOString(),
      uptimeMs: Date.now() - this.started,
      modules: [...this.modules.values()].map((m) => ({ ...m, ...(m.process ? { process: { ...m.process } } : {}) })),
      migrations: [...this.migrations],
      lastReload: this.lastReload,
      reloads: this.reloads,
    };
  }
}

function freshProcess(command: string): ProcessStatus {
  return { command, pid: null, state: 'starting', restarts: 0, exits: [], events: [], eventCount: 0 };
}

/** A child's status after one of its events (a new object: documents already handed out stay as they were). */
function applyProcessEvent(
  status: ProcessStatus,
  event: Extract<LifecycleEvent, { type: 'process' | 'process-event' }>,
): ProcessStatus {
  if (event.type === 'process-event') {
    const events = [...status.events, { at: event.at, event: event.event }].slice(-KEPT);
    return { ...status, events, eventCount: status.eventCount + 1 };
  }
  const pid = event.pid ?? status.pid;
  const restarts = status.restarts + (event.state === 'restarting' ? 1 : 0);
  // Each exit is reported once, by the event that follows it (exited, restarting, stopped, failed).
  const exit = { pid, code: event.exitCode ?? null, signal: event.signal ?? null, at: event.at };
  const exits = event.exitCode !== undefined ? [...status.exits, exit].slice(-KEPT) : status.exits;
  return { ...status, pid, state: event.state, restarts, exits };
}
