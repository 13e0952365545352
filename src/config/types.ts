import type { FileEngine, SchemaEngine, ServerEngine } from '../engines/engine-table.js';
import type { OnMigrate, RuleName, Severities, Severity } from './lint-rules.js';

/** What a user writes in `modkit.config.*` (SPEC §2.1). Every field is optional. */
export interface ModkitConfig {
  /** Globs of module files, relative to the config file. Default: `['modules/*\/module.{ts,mts,js,mjs,cjs}']`. */
  readonly modules?: readonly string[];
  /**
   * The privileged database modkit migrates. Default: the embedded SQLite file `.modkit/modkit.sqlite`.
   * `schema` (PostgreSQL): where the history tables live, whatever `search_path` says. Default `public`.
   */
  readonly database?: { readonly url?: string | undefined; readonly schema?: string | undefined };
  /** Optional least-privilege URL handed to modules at run time (`ctx.db`). */
  readonly runtime?: { readonly url?: string | undefined };
  /** How long to wait for the migration lock, in ms. Default 60 000. */
  readonly lockTimeoutMs?: number;
  /**
   * How long a migration may wait for a lock inside the database (an ALTER TABLE behind a long
   * read) before it gives up, is rolled back and retried, in ms; 0 = wait for ever. Default 10 000.
   */
  readonly dbLockTimeoutMs?: number;
  /** How many times a migration is tried when it hits `dbLockTimeoutMs`. Default 5. */
  readonly dbLockRetries?: number;
  /** The longest a migration's statement may run, in ms; 0 (the default) = no limit. */
  readonly statementTimeoutMs?: number;
  /** Per-module graceful stop budget, in ms. Default 35 000. */
  readonly shutdownDeadlineMs?: number;
  /** Full mode: the health and status server (`GET /livez`, `/readyz`, `/status`); off unless `port` is set. */
  readonly health?: HealthServerConfig;
  /** Full mode: how long SIGTERM/SIGINT keeps the app up (`/readyz` 503) before it stops, in ms. Default 0. */
  readonly drainMs?: number;
  /** The longest `preInit`, `init`, `postInit`, `start` or `reload` may run, in ms; 0 = no limit. Default 120 000. */
  readonly hookTimeoutMs?: number;
  /** The longest a module's `health(ctx)` may take, in ms (a timeout is unhealthy). Default 2 000. */
  readonly healthTimeoutMs?: number;
  /** `modkit lint` and the lint `migrate` runs first (docs/lint.md). */
  readonly lint?: LintConfig;
  /**
   * Handed to each module as `ctx.config`, keyed by module name. One key is modkit's own:
   * `database` ({@link ModuleDatabaseConfig}) puts that module's migrations and history table in
   * another database; it is taken out of the module's `ctx.config` (it may hold a password).
   */
  readonly modulesConfig?: Readonly<Record<string, unknown>>;
  /**
   * A fleet: the databases (or PostgreSQL schemas of one database) this one project is migrated
   * into, each on its own (docs/fleets.md). A list, or a function returning one (it may be async
   * and query a tenant registry). `migrate --only`, `status`, `plan`, `validate` and `rollback` then
   * run over every target, unless `--url` or `MODKIT_DATABASE_URL` names one database.
   */
  readonly targets?: FleetTargets;
  /**
   * Named environments (`--env NAME`): settings laid over the rest of this config for that run.
   * Objects merge key by key; any other value, `undefined` included, replaces (docs/configuration.md).
   *
   * @example
   * environments: {
   *   staging: { database: { url: '${STAGING_DATABASE_URL}' } },
   *   prod: { database: { url: '${PROD_DATABASE_URL}' }, lockTimeoutMs: 120_000 },
   * }
   */
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
}

/** One named environment: any setting of the config but `modules` and `environments`. */
export type EnvironmentConfig = Omit<ModkitConfig, 'modules' | 'environments'>;

/** One fleet target: a database URL, or a URL and the PostgreSQL schema of one tenant. */
export type FleetTargetSpec = string | { readonly url: string; readonly schema?: string | undefined };

/** `targets` in the config: a list, or a (possibly async) function returning one. */
export type FleetTargets =
  | readonly FleetTargetSpec[]
  | (() => readonly FleetTargetSpec[] | Promise<readonly FleetTargetSpec[]>);

/** The `lint` block of the config. */
export interface LintConfig {
  /** Severity per rule name (`error`, `warn`, `info`, `off`); the rest keep their defaults. */
  readonly rules?: Readonly<Partial<Record<RuleName, Severity>>>;
  /**
   * What `migrate` does with the lint of its pending files: `error` (default) prints warnings and
   * refuses on errors (exit 4) before anything runs; `warn` prints every finding and runs; `off` skips it.
   */
  readonly onMigrate?: OnMigrate;
}

/**
 * `modulesConfig.<name>.database`: the module's own database (the Rust runtime's
 * `modules.<name>.database`). Any engine; `${VAR}` references are expanded from the environment.
 */
export interface ModuleDatabaseConfig {
  /** Where this module's migrations and history table live. Required. */
  readonly url?: string | undefined;
  /** PostgreSQL: the schema of this module's history table (default `public`). */
  readonly schema?: string | undefined;
  /** The URL of this module's `ctx.db` at run time (a least-privilege role); default: `url`. */
  readonly runtimeUrl?: string | undefined;
}

/** Where a setting came from; the order is the precedence (later wins). */
export type SettingSource = 'default' | 'config' | 'env' | 'flag';

/** What every database target has, whatever its engine. */
interface TargetCommon {
  readonly url: string;
  readonly source: SettingSource;
  /**
   * Where the URL came from, as a person would name it: the flag as typed (`--url`), the variable
   * (`MODKIT_DATABASE_URL`, `DATABASE_URL`), `the config`, `environments.prod in the config`.
   */
  readonly origin?: string;
  /** Settings that also name this database but lost to `origin` (`MODKIT_DATABASE_URL` under `--env`). */
  readonly notUsed?: readonly string[];
}

/** A database that is a file (SQLite). */
export interface FileTarget extends TargetCommon {
  readonly engine: FileEngine;
  /** The file's absolute path, or `:memory:`. */
  readonly filePath: string;
  readonly schema?: undefined;
  readonly searchPath?: undefined;
}

/** A database that holds schemas (PostgreSQL); for a schema-per-tenant fleet, one tenant's schema. */
export interface SchemaTarget extends TargetCommon {
  readonly engine: SchemaEngine;
  readonly filePath?: undefined;
  /** The schema that holds the history tables (`database.schema`; default `public`). */
  readonly schema?: string;
  /**
   * The `search_path` value (its own syntax: quote identifiers that need it) that modkit's
   * migration connections start with (a schema-per-tenant target puts unqualified names in its
   * tenant's schema). Default: the server's, untouched.
   */
  readonly searchPath?: string;
}

/** A database on a server, without schemas (MariaDB/MySQL). */
export interface ServerTarget extends TargetCommon {
  readonly engine: ServerEngine;
  readonly filePath?: undefined;
  readonly schema?: undefined;
  readonly searchPath?: undefined;
}

/**
 * A database modkit migrates, keyed by its engine: its engine's traits in the engine table
 * (src/engines/engine-table.ts) decide which shape it has, so a new engine's row gives its targets
 * theirs. What only some engines have is a field of that shape; code narrows with
 * `isFileEngine(target.engine)` / `isSchemaEngine(target.engine)`.
 */
export type DatabaseTarget = FileTarget | SchemaTarget | ServerTarget;

/** The settings modkit runs with, after applying defaults < config file < env < flags. */
export interface ResolvedConfig {
  /** Absolute path of the config file. */
  readonly configFile: string;
  /** The directory holding the config file; globs and the embedded database are relative to it. */
  readonly rootDir: string;
  readonly moduleGlobs: readonly string[];
  readonly database: DatabaseTarget;
  readonly runtimeUrl?: string;
  /**
   * Why `runtime.url` cannot be used, when a `${VAR}` in it is not set: only a run that opens
   * `ctx.db` fails with it (a pre-deploy `migrate --only` need not know the runtime's URL).
   */
  readonly runtimeUrlProblem?: string;
  /**
   * Modules with a database of their own (`modulesConfig.<name>.database`), by module name.
   * `database` stays the default database of every other module; `--database-url` and
   * `MODKIT_DATABASE_URL` replace the default only, never these.
   */
  readonly moduleDatabases: Readonly<Record<string, ModuleDatabase>>;
  readonly lockTimeoutMs: number;
  /** Database lock and statement timeouts of migrations (docs/safety.md, "Lock timeouts and retries"). */
  readonly dbTimeouts: DbTimeouts;
  readonly shutdownDeadlineMs: number;
  /** Full mode's time limits and health server (docs/lifecycle.md). */
  readonly lifecycle: LifecycleSettings;
  /** Lint severities (defaults overridden by `lint.rules`) and what `migrate` does with them. */
  readonly lint: LintSettings;
  /** `ctx.config` of each module: `modulesConfig` without modkit's own `database` key. */
  readonly modulesConfig: Readonly<Record<string, unknown>>;
  /** The config's fleet targets, as written (a function is called when a fleet command runs). */
  readonly targets?: FleetTargets;
  /** The named environment laid over the config (`--env NAME`), when one was. */
  readonly environment?: string;
}

/** A module's own database, resolved. */
export interface ModuleDatabase {
  /** Where its migrations and history table live (`source` is `config`). */
  readonly target: DatabaseTarget;
  /** Its `ctx.db` URL when it differs from the target's, expanded. */
  readonly runtimeUrl?: string;
  /** As {@link ResolvedConfig.runtimeUrlProblem}, for this module's `runtimeUrl`. */
  readonly runtimeUrlProblem?: string;
}

/** Overrides from the command line or the library caller (highest precedence). */
export interface ConfigOverrides {
  readonly databaseUrl?: string;
  /** How to name `databaseUrl` in output and errors: the CLI passes the flag as typed (`--url`). */
  readonly databaseUrlFrom?: string;
  /** The named environment (`environments.<name>` of the config) to lay over the config. */
  readonly environment?: string;
  /**
   * false: the caller opens no database (`graph`, `new`, `lint`, `validate --offline`), so a config
   * that names databases but none to migrate is no error for it. Default true.
   */
  readonly needsDatabase?: boolean;
  readonly lockTimeoutMs?: number;
  readonly dbLockTimeoutMs?: number;
}

export interface LintSettings {
  readonly severities: Severities;
  readonly onMigrate: OnMigrate;
}

/** How long a migration may wait for database locks and run, and how often it is tried. */
export interface DbTimeouts {
  /** 0 = no lock timeout. */
  readonly lockMs: number;
  /** Tries in all (1 = no retry). */
  readonly tries: number;
  /** 0 = no statement timeout. */
  readonly statementMs: number;
}

/** `health` in the config. */
export interface HealthServerConfig {
  /** 0 picks a free port (printed at start). */
  readonly port?: number;
  /** Default `127.0.0.1`; in a container, `0.0.0.0` (the kubelet probes the pod's IP). */
  readonly host?: string;
}

/** The full mode's settings, resolved. */
export interface LifecycleSettings {
  readonly hookTimeoutMs: number;
  readonly healthTimeoutMs: number;
  readonly drainMs: number;
  /** Present when the config sets `health.port`. */
  readonly health?: { readonly port: number; readonly host: string };
}
