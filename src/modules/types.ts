import type { Knex } from './knex-types.js';

/** A migration written in code: `up(db)` and optionally `down(db)`; `db` is scoped to this migration. */
export interface ScriptMigration {
  up(db: Knex.Transaction | Knex): Promise<unknown> | unknown;
  down?(db: Knex.Transaction | Knex): Promise<unknown> | unknown;
  /** `false` runs the migration outside a transaction (e.g. `CREATE INDEX CONCURRENTLY`). */
  transaction?: boolean;
}

/** A migration given inline in `defineModule({ migrations: [...] })`. */
export interface InlineMigration {
  readonly id: string;
  readonly up: string | ScriptMigration['up'];
  readonly down?: string | ScriptMigration['down'];
  readonly transaction?: boolean;
}

/** A read-only view of the application given to `preInit` and `postInit` of system modules. */
export interface SystemContext {
  readonly instanceId: string;
  readonly modules: readonly { readonly name: string; readonly deps: readonly string[]; readonly system: boolean }[];
  /** Module names in system-first order. */
  readonly order: readonly string[];
  /** This module's view of the services modules share ({@link ModuleServices}). */
  readonly services: ModuleServices;
}

/**
 * A typed key of a shared service, made by `defineService<T>(name)`. It stands for its name: a
 * token and the plain string of the same name are one key.
 */
export interface ServiceToken<T> {
  readonly name: string;
  /** Type-level only: carries `T` from `provide` to `get`; never set. */
  readonly __service?: (value: T) => T;
}

/**
 * Live objects modules share (the Rust runtime's ClientHub). A module provides a key during its
 * `preInit` or `init`; a module may get it when it depends on the provider, directly or
 * transitively (its `deps` are its permission), or when it is the provider.
 */
export interface ModuleServices {
  provide<T>(key: ServiceToken<T>, value: T): void;
  provide(key: string, value: unknown): void;
  get<T>(key: ServiceToken<T>): T;
  get<T = unknown>(key: string): T;
}

/** What `health(ctx)` may return: `true`/`false`, or `{ ok, detail }`; a throw is unhealthy. */
export type HealthResult = boolean | { readonly ok: boolean; readonly detail?: string };

/**
 * Per-module time limits, in ms or as a duration (`'5s'`, `'2m'`): the startup hooks and `reload`
 * default to the config's `hookTimeoutMs`, `health` to `healthTimeoutMs`, `stop` to `shutdownDeadlineMs`.
 */
export interface HookTimeouts {
  readonly preInit?: number | string;
  readonly init?: number | string;
  readonly postInit?: number | string;
  readonly start?: number | string;
  readonly reload?: number | string;
  readonly health?: number | string;
  readonly stop?: number | string;
}

/** What a module sees at run time (SPEC §2.2). */
export interface ModuleContext<C = unknown> {
  readonly name: string;
  readonly config: C;
  /** A runtime handle (`runtime.url`, else the database URL): never the privileged connection. */
  readonly db: Knex;
  readonly log: ModuleLogger;
  /** Aborts when the application shuts down. */
  readonly signal: AbortSignal;
  /** One id per process: a UUID, unless set with `MODKIT_INSTANCE_ID` or `--instance-id`. */
  readonly instanceId: string;
  /** Services shared between modules: provide in `init`, get from modules that depend on the provider. */
  readonly services: ModuleServices;
}

export interface ModuleLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** How a run task or a module's process is restarted: a policy name, or a policy with its budget. */
export type RestartSetting =
  | 'never'
  | 'on-failure'
  | 'always'
  | { readonly policy: 'on-failure' | 'always'; readonly maxAttempts?: number; readonly backoffMs?: number };

/**
 * An out-of-process module: a program modkit spawns after the start phase and stops in the stop
 * phase (docs/out-of-process.md). It is ready once it prints the line `{"event":"ready"}` on stdout.
 */
export interface ProcessDefinition {
  /** The program: a name looked up on PATH, or a path (relative paths are relative to `cwd`). */
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to the child's environment (after modkit removed its own database settings). */
  readonly env?: Readonly<Record<string, string>>;
  /** The child's working directory, relative to the module file; default: the module file's directory. */
  readonly cwd?: string;
  /** How long the child may take to print `{"event":"ready"}` (ms or a duration like `'30s'`); default 30 s. */
  readonly readyTimeoutMs?: number | string;
  /** What to do when the child exits while the app runs; default `'never'` (a failure shuts the app down). */
  readonly restart?: RestartSetting;
}

/** A module as written by the user (`defineModule({...})` or a plain default-exported object). */
export interface ModuleDefinition<C = unknown> {
  /** kebab-case: `^[a-z][a-z0-9]*(-[a-z0-9]+)*$` */
  readonly name: string;
  readonly deps?: readonly string[];
  readonly system?: boolean;
  /** A directory relative to the module file, or an inline list. */
  readonly migrations?: string | readonly InlineMigration[];
  preInit?(sys: SystemContext): Promise<void> | void;
  init?(ctx: ModuleContext<C>): Promise<void> | void;
  postInit?(sys: SystemContext): Promise<void> | void;
  start?(signal: AbortSignal, ctx: ModuleContext<C>): Promise<void> | void;
  /** A long-running task, started after every module's `start` succeeded. */
  run?(signal: AbortSignal, ctx: ModuleContext<C>): Promise<void> | void;
  /**
   * What to do when `run` ends: `'never'` (default: a failure shuts the app down), `'on-failure'`
   * (restart after a failure), `'always'` (restart after a failure or a return), or an object.
   */
  readonly restart?: RestartSetting;
  /** Runs the module (also) as a child process: see {@link ProcessDefinition}. */
  readonly process?: ProcessDefinition;
  stop?(deadline: AbortSignal, ctx: ModuleContext<C>): Promise<void> | void;
  /** Asked by `GET /readyz` while the app runs; bounded by `healthTimeoutMs` (a timeout is unhealthy). */
  health?(ctx: ModuleContext<C>): HealthResult | Promise<HealthResult>;
  /**
   * SIGHUP: the config file was read again; `ctx.config` is the new config. Throwing (or overrunning
   * `hookTimeoutMs`) keeps this module on its old config.
   */
  reload?(ctx: ModuleContext<C>): Promise<void> | void;
  /** Time limits of this module's hooks, overriding the config's. */
  readonly timeouts?: HookTimeouts;
}

/** How a migration is stored. */
export type MigrationFormat = 'sql' | 'script';

/** One migration as discovered: what it is and where, with its checksum; the body is loaded on demand. */
export interface Migration {
  readonly id: string;
  readonly module: string;
  readonly format: MigrationFormat;
  /** The up file (absolute); undefined for inline migrations. */
  readonly file?: string;
  /** The `.down.sql` file of a SQL pair. */
  readonly downFile?: string;
  /** sha256 (CRLF → LF) of the up file, or of the inline body. */
  readonly checksum: string;
  /** The up file's size in bytes, as read for the checksum (the lint reads a large file in windows). */
  readonly size?: number;
  /** The inline definition, when the migration was given inline. */
  readonly inline?: InlineMigration;
}

/** A module after discovery and validation. */
export interface LoadedModule {
  readonly name: string;
  readonly deps: readonly string[];
  readonly system: boolean;
  /** The module file (absolute). */
  readonly file: string;
  /** The migrations directory, when migrations come from one. */
  readonly migrationsDir?: string;
  /** Sorted by id in byte order. */
  readonly migrations: readonly Migration[];
  /**
   * Migrations not written yet (a stub from `modkit new`): never applied. Only present when the
   * project was loaded with `allowUnfinished`; otherwise loading refuses them.
   */
  readonly unfinished?: readonly Migration[];
  readonly definition: ModuleDefinition;
}
