import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ProjectOptions } from '../api/options.js';
import type { AllowOptions } from '../plan/types.js';
import type { OutputOptions } from './output.js';
import { DURATION_FORMS, parseDuration } from '../util/duration.js';

/** The flags every command takes (SPEC §4, "Common flags"). */
export interface CommonFlags extends OutputOptions {
  readonly config?: string;
  /** `--dotenv PATH` (repeatable). */
  readonly dotenv?: string[];
  /** `--env-file PATH`: hidden, refused with why (it is Node's; see cli/env-files.ts). */
  readonly envFile?: string;
  readonly databaseUrl?: string;
  /** `--env NAME`: the config's `environments.NAME`. */
  readonly env?: string;
  readonly module?: string[];
  readonly lockTimeout?: number;
  readonly dbLockTimeout?: number;
  readonly allowDrift?: boolean;
  readonly allowMissing?: boolean;
  readonly allowOutOfOrder?: boolean;
}

/**
 * Adds the common flags. `database: false` leaves out the database ones (graph, new);
 * `selection: false` keeps `--database-url`/`--lock-timeout` but leaves out `--module` and the
 * `--allow-*` flags, for commands that define their own (rollback, baseline, repair). `readOnly`
 * (status, plan, validate): the lock and `--allow-*` flags are accepted, since scripts pass one set
 * of flags to every command, but not listed in `--help`: a read-only command takes no lock.
 * `runsMigrations: false` (baseline, repair: they write history rows only) hides `--db-lock-timeout` alone.
 */
export function addCommonOptions(
  command: Command,
  { database = true, selection = true, readOnly = false, runsMigrations = !readOnly }: CommonOptionsShape = {},
): Command {
  const add = (option: Option, hidden = readOnly) => command.addOption(hidden ? option.hideHelp() : option);
  command
    .option('-c, --config <path>', 'config file (default: found by walking up from the current directory)')
    .option(
      '--dotenv <path>',
      'read variables from this file (repeatable; default: .env beside the config); the environment wins',
      collect,
    )
    // Not modkit's: Node 20 reads `--env-file` anywhere on a command line, before modkit starts, and
    // exits 9 when the file is missing. Kept hidden only to say so instead of "unknown option".
    .addOption(new Option('--env-file <path>').hideHelp())
    .option('--json', 'print one JSON document on stdout; logs go to stderr')
    .option('--verbose', 'more detail, and stack traces on errors')
    .option('--quiet', 'print only errors');
  if (!database) return command;
  command
    // Two long flags: commander names the value after the last one (flags.databaseUrl).
    .option('--url, --database-url <url>', 'database URL (overrides --env, MODKIT_DATABASE_URL and the config)')
    .option('--env <name>', "use the config's environments.<name> (wins over the config and MODKIT_DATABASE_URL)");
  const lock = "how long to wait for modkit's own migration lock (60s, 500ms, 2m or ms)";
  add(new Option('--lock-timeout <duration>', lock).argParser(parseDurationFlag));
  const dbLock =
    'how long a migration may wait for a lock inside the database before it is rolled back and retried (0: no limit)';
  add(new Option('--db-lock-timeout <duration>', dbLock).argParser(parseDurationFlag), !runsMigrations);
  if (!selection) return command;
  command.option('--module <name>', 'restrict to this module and what it depends on (repeatable)', collect);
  add(new Option('--allow-drift', 'accept applied migrations whose file changed'));
  add(new Option('--allow-missing', 'accept applied migrations whose file is gone'));
  add(new Option('--allow-out-of-order', 'apply pending migrations that sort before the newest applied one'));
  return command;
}

/** Which common flags a command takes and lists (see {@link addCommonOptions}). */
export interface CommonOptionsShape {
  readonly database?: boolean;
  readonly selection?: boolean;
  readonly readOnly?: boolean;
  readonly runsMigrations?: boolean;
}

export function txModeOption(): Option {
  return new Option('--tx-mode <mode>', 'one transaction per migration, or all in one')
    .choices(['per-migration', 'all'])
    .default('per-migration');
}

/** Every duration flag: `60s`, `500ms`, `2m` or plain milliseconds, as the file markers (util/duration.ts). */
export function parseDurationFlag(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`expected a duration: ${DURATION_FORMS}`);
  return ms;
}

/** A TCP port; 0 asks the system for a free one. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (Number.isInteger(n) && n >= 0 && n <= 65_535) return n;
  throw new InvalidArgumentError('expected a port number from 0 to 65535');
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Maps the flags onto the library's options (flags are the highest precedence). */
export function projectOptions(flags: CommonFlags): ProjectOptions {
  return {
    ...(flags.config ? { configPath: flags.config } : {}),
    // `--database-url ''` is passed on: an empty value given explicitly is an error (load-config), never a fallback.
    ...(flags.databaseUrl !== undefined ? { databaseUrl: flags.databaseUrl, databaseUrlFrom: typedUrlFlag() } : {}),
    ...(flags.env !== undefined ? { environment: flags.env } : {}),
    ...(flags.lockTimeout !== undefined ? { lockTimeoutMs: flags.lockTimeout } : {}),
    ...(flags.dbLockTimeout !== undefined ? { dbLockTimeoutMs: flags.dbLockTimeout } : {}),
    ...(flags.module ? { modules: flags.module } : {}),
  };
}

/**
 * The URL flag as the user typed it (`--url` or `--database-url`: commander keeps one value for
 * both), for "Using … (from --url)". The last one given wins, as its value does.
 */
export function typedUrlFlag(argv: readonly string[] = process.argv): string {
  let typed = '--database-url';
  for (const arg of argv.slice(2)) {
    if (arg === '--') break;
    const name = arg.split('=')[0];
    if (name === '--url' || name === '--database-url') typed = name;
  }
  return typed;
}

export function allowOptions(flags: CommonFlags): AllowOptions {
  return {
    drift: flags.allowDrift === true,
    missing: flags.allowMissing === true,
    outOfOrder: flags.allowOutOfOrder === true,
  };
}
