import type { DatabaseGroup } from '../config/database-groups.js';
import type { DatabaseTarget, ResolvedConfig } from '../config/types.js';
import type { RuntimeStatusDocument } from './runtime-status.js';
import type { PendingMigration } from '../execute/wait-for-schema.js';
import type { ModkitError } from '../errors.js';
import type { DbPhaseResult } from '../execute/db-phase.js';
import type { EventSink, TxMode } from '../execute/types.js';
import type { StopAt } from '../plan/stop-at.js';
import type { AllowOptions } from '../plan/types.js';
import type { Project } from '../project/load-project.js';

/** `migrate-only` = pre_init + db (`modkit migrate --only`); `full` goes on to run the application. */
export type PipelineMode = 'migrate-only' | 'full';

/** The phases of SPEC §5, in order (`db` includes pre_init, which runs first inside it). */
export type LifecyclePhase = 'db' | 'init' | 'post_init' | 'start' | 'spawn' | 'run' | 'wait' | 'stop';

/** The phases that call module hooks (`reload`: on SIGHUP, while running; `spawn`: a module's process gets ready). */
export type HookPhase = 'pre_init' | 'init' | 'post_init' | 'start' | 'spawn' | 'run' | 'stop' | 'reload';

/**
 * An out-of-process module's child: `starting` (spawned, not ready yet), `ready`, `restarting`
 * (it exited; respawned after a backoff), `exited` (it ended on its own and is not restarted),
 * `stopping` (SIGTERM sent), `stopped`, `failed` (it did not get ready, or its restart budget is spent).
 */
export type ProcessState = 'starting' | 'ready' | 'restarting' | 'exited' | 'stopping' | 'stopped' | 'failed';

/** The runtime's state machine (and each module's): starting → running → draining → stopped | failed. */
export type RuntimeState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

/** What happened, for reporters (log lines, the `--json` document). */
export type LifecycleEvent =
  /** A state transition of the runtime (no `module`) or of one module. */
  | {
      readonly type: 'state';
      readonly state: RuntimeState;
      readonly module?: string;
      readonly reason?: string;
      readonly at: string;
    }
  /** `aborted` (on `end`): the phase did not complete (a hook, a refusal or a signal stopped it before its end). */
  | {
      readonly type: 'phase';
      readonly phase: LifecyclePhase;
      readonly status: 'begin' | 'end';
      readonly durationMs?: number;
      readonly aborted?: true;
    }
  | {
      readonly type: 'hook';
      readonly module: string;
      readonly phase: HookPhase;
      readonly status: 'ok' | 'failed' | 'timed-out';
      readonly durationMs: number;
      readonly error?: string;
    }
  /** A hook is about to run (its outcome is the `hook` event that follows). */
  | { readonly type: 'hook-start'; readonly module: string; readonly phase: HookPhase }
  /** A `run` task ended (`error`: it failed; none: it returned, `restart: 'always'`); it restarts after `delayMs`. */
  | {
      readonly type: 'task-restart';
      readonly module: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error?: string;
    }
  /**
   * Shutdown is under way and what is left of it is bounded: within `ms` from now, a startup hook
   * still running after the signal returns or is left behind (`phase` = its phase), or the stop
   * phase ends, its watchdog included (`phase: 'stop'`). The CLI holds the process to it even when
   * a hook blocks the event loop (src/cli/exit-backstop.ts).
   */
  | { readonly type: 'deadline'; readonly phase: HookPhase; readonly ms: number }
  /**
   * A module's child process changed state. `pid` is the child's (none: it could not be started);
   * `exitCode`/`signal` with `exited`, `stopped` and `failed` once it exited; `attempt` and `delayMs`
   * with `restarting`; `killed` when SIGKILL was needed; `reason` says why it failed or was restarted.
   */
  | {
      readonly type: 'process';
      readonly module: string;
      readonly state: ProcessState;
      readonly pid?: number;
      readonly exitCode?: number | null;
      readonly signal?: string | null;
      readonly attempt?: number;
      readonly delayMs?: number;
      readonly killed?: true;
      readonly reason?: string;
      readonly at: string;
    }
  /** A JSON line a module's child printed on stdout, other than its ready line. */
  | {
      readonly type: 'process-event';
      readonly module: string;
      readonly pid: number;
      readonly event: Readonly<Record<string, unknown>>;
      readonly at: string;
    }
  /** A line a module wrote through `ctx.log`. */
  | {
      readonly type: 'log';
      readonly module: string;
      readonly level: 'info' | 'warn' | 'error';
      readonly message: string;
    }
  /** The health server listens (`GET /livez`, `/readyz`, `/status`). */
  | { readonly type: 'health-server'; readonly url: string }
  /** One module's `health(ctx)` answered (asked by `/readyz`). */
  | {
      readonly type: 'health';
      readonly module: string;
      readonly ok: boolean;
      readonly detail?: string;
      readonly durationMs: number;
    }
  /** SIGTERM/SIGINT while running: `/readyz` answers 503 now; modules stop `ms` from now. */
  | { readonly type: 'drain'; readonly ms: number }
  /** SIGHUP: the config was read again and running modules' `reload(ctx)` called; `report` says how it went. */
  | { readonly type: 'reload'; readonly report: ReloadReport }
  /** `--no-migrate`: waiting for another run to apply `pending` migrations, or (`pending` 0) the schema is ready. */
  | { readonly type: 'schema-wait'; readonly pending: readonly PendingMigration[]; readonly waitedMs: number };

export type LifecycleSink = (event: LifecycleEvent) => void;

/** What one SIGHUP did (`/status`, `--json` `reloads`). */
export interface ReloadReport {
  readonly at: string;
  /**
   * `reloaded`: every `reload(ctx)` succeeded; `partial`: some failed and kept their old config;
   * `config-error`: the config no longer loads, nothing changed; `no-hooks`: no running module has
   * `reload`; `skipped`: not running (starting or stopping).
   */
  readonly outcome: 'reloaded' | 'partial' | 'config-error' | 'no-hooks' | 'skipped';
  /** Each running module with a `reload` hook, in system-first order. */
  readonly modules: readonly ReloadResult[];
  /** Changed settings a reload cannot apply (they need a restart), e.g. `database`. */
  readonly needsRestart: readonly string[];
  /** Why the config did not load, or why the reload was skipped. */
  readonly error?: string;
}

export interface ReloadResult {
  readonly module: string;
  readonly status: 'ok' | 'failed' | 'timed-out';
  readonly durationMs: number;
  readonly error?: string;
}

/** A module whose stop did not end well. */
export interface StopProblem {
  readonly module: string;
  readonly status: 'failed' | 'timed-out';
  readonly message: string;
}

/** The outcome of the phases after db. */
export interface LifecycleReport {
  /** `stopped`: graceful; `failed`: a hook or the stop phase failed; `interrupted`: a signal came before `running`. */
  readonly outcome: 'stopped' | 'failed' | 'interrupted';
  /** Why the outcome is not `stopped`. */
  readonly error?: ModkitError;
  /** The modules that were started, in start order. */
  readonly started: readonly string[];
  /** The modules stopped, in stop order. */
  readonly stopped: readonly string[];
  readonly stopProblems: readonly StopProblem[];
  readonly durationMs: number;
}

/** How a run migrates: which modules, what it accepts, how it applies. (Where to, is the project's config.) */
export interface RunOptions {
  /** `--module M`: restrict to these modules and what they depend on. */
  readonly modules?: readonly string[];
  readonly allow?: AllowOptions;
  /**
   * `--to`: per module, the last migration to apply (`{ users: '0002_email_index' }`); the module's
   * later migrations stay pending. Migrate-only: a full run refuses it (the application would start
   * against part of a module). Refused (exit 2) for a module that another one of the run depends on.
   */
  readonly to?: StopAt;
  readonly txMode?: TxMode;
  /** Independent modules migrate at once on separate connections (PostgreSQL); default 1. */
  readonly concurrency?: number;
  /**
   * `false` (`--no-lint`): skip the lint of pending migrations. Otherwise the config's
   * `lint.onMigrate` decides (default `error`: lint errors refuse the run, exit 4).
   */
  readonly lint?: boolean;
  /** Aborting cancels the running migration, rolls it back and releases the lock. */
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

/** What the db phase of one run did (`modkit migrate --only`). */
export interface MigrateReport {
  readonly project: Project;
  /** The default database. */
  readonly database: DatabaseTarget;
  /** The databases migrated, in lock order, each with its modules (their own, or the default one). */
  readonly databases: readonly DatabaseGroup[];
  /** The modules this run covered, in system-first order. */
  readonly modules: readonly string[];
  readonly result: DbPhaseResult;
}

export interface PipelineOptions extends RunOptions {
  readonly mode: PipelineMode;
  /** Receives the runtime's phases, hooks, state transitions and module logs. */
  readonly onLifecycleEvent?: LifecycleSink;
  /** Bound of the whole stop phase (the watchdog). Default: every started module's deadline plus grace, plus 5 s. */
  readonly stopTimeoutMs?: number;
  /** Full mode: the instance id (default: `MODKIT_INSTANCE_ID`, else a UUID per process). */
  readonly instanceId?: string;
  /**
   * Full mode: `false` (`run --no-migrate`) skips the db phase and waits instead until another run
   * (a migration Job) has applied every migration of the selected modules, as `modkit wait` does.
   */
  readonly migrate?: boolean;
  /** With `migrate: false`: how long to wait for the schema (default 60 s). */
  readonly schemaTimeoutMs?: number;
  /** Full mode: serve `/livez`, `/readyz`, `/status` here (overrides the config's `health`). */
  readonly health?: { readonly port: number; readonly host?: string };
  /** Full mode: how long a signal drains before modules stop (overrides the config's `drainMs`). */
  readonly drainMs?: number;
  /** How SIGHUP reads the config again (default: the config file, imported afresh). */
  readonly reloadConfig?: () => Promise<ResolvedConfig>;
  /**
   * Full mode: variables the caller read from env files into `process.env` (the CLI's `.env` and
   * `--dotenv`); modules' child processes do not inherit them (docs/out-of-process.md).
   */
  readonly envFileVariables?: readonly string[];
  /** Full mode: receives the running application's control (status, readiness, reload) when the pipeline starts. */
  readonly onRuntime?: (runtime: RuntimeControl) => void;
}

/** The running application, as the health server and the CLI's SIGHUP see it. */
export interface RuntimeControl {
  readonly instanceId: string;
  /** The document `GET /status` serves. */
  status(): RuntimeStatusDocument;
  /** What `GET /readyz` answers: ready only while running with every module healthy (asks `health(ctx)`). */
  readiness(): Promise<Readiness>;
  /** True until the runtime failed (`GET /livez`). */
  live(): boolean;
  /** SIGHUP: reads the config again and calls each running module's `reload(ctx)`, system-first. */
  reload(): Promise<ReloadReport>;
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not: `starting`, `draining`, `module "x" unhealthy: …`. */
  readonly reasons: readonly string[];
}

/** What one pipeline run did: the db phase, then (full mode) the lifecycle. */
export interface PipelineReport {
  readonly mode: PipelineMode;
  readonly migration: MigrateReport;
  /** Present in full mode when the db phase succeeded. */
  readonly lifecycle?: LifecycleReport;
  /** The error that decides the exit code: a failed migration, or the lifecycle's error. */
  readonly error?: ModkitError;
}
