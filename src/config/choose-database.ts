import { EMBEDDED, engineName } from '../engines/engine-table.js';
import { UsageError } from '../errors.js';
import { embeddedUrl, parseDatabaseUrl } from './database-url.js';
import type { ConfigOverrides, DatabaseTarget, SettingSource } from './types.js';

/** Expands a config value's `${VAR}`s; undefined (a problem noted in `into`) when one is unset. */
export type Expand = (value: string, where: string, into?: string[]) => string | undefined;
/** Parses a URL written in the config; undefined (a problem noted) when it is not one. */
export type Parse = (url: string | undefined, where: string) => DatabaseTarget | undefined;

/** The env var that names the database modkit migrates (above the config's `database.url`). */
export const DATABASE_URL_ENV = 'MODKIT_DATABASE_URL';

/** The embedded default's engine, as messages name it (`SQLite`). */
const EMBEDDED_NAME = engineName(EMBEDDED.engine);

/**
 * The convention of dbmate, Atlas, Prisma and Heroku: used for migrations only when nothing else
 * names the database to migrate, and never when it is the config's own runtime URL.
 */
export const CONVENTIONAL_URL_ENV = 'DATABASE_URL';

export interface DatabaseInputs extends ConfigOverrides {
  readonly cwd: string;
  readonly rootDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** `database.url` of the config file as written (before `${VAR}` expansion). */
  readonly fileUrl: string | undefined;
  /** The named environment chosen with `--env`, and its own `database` block. */
  readonly named?: { readonly name: string; readonly database: { readonly url?: string | undefined } | undefined };
  /** The runtime URLs the config gives modules (`runtime.url`, `modulesConfig.<m>.database.runtimeUrl`), expanded. */
  readonly runtimeUrls: readonly string[];
  /** The config sets `runtime.url`: a database is configured, so the embedded default does not apply. */
  readonly hasRuntimeUrl: boolean;
  /** The config lists fleet targets: they name the databases to migrate, so DATABASE_URL does not. */
  readonly hasTargets: boolean;
  readonly expand: Expand;
  readonly parse: Parse;
}

export interface DatabaseChoice {
  /** Undefined when the config's URL could not be used (the problem was noted through `parse`/`expand`). */
  readonly target: DatabaseTarget | undefined;
}

/**
 * The default database modkit migrates, from the first of these that names one (highest first):
 *
 * 1. the flag (`--url`/`--database-url`; a library caller's `databaseUrl`);
 * 2. `environments.NAME.database.url` of the named environment (`--env NAME`);
 * 3. `MODKIT_DATABASE_URL`;
 * 4. `database.url` of the config file;
 * 5. `DATABASE_URL`, unless the config lists fleet targets, and refused (exit 2) when it is one
 *    of the config's runtime URLs: migrations need their own URL;
 * 6. the embedded SQLite file, only when no database of any kind is configured (no runtime URL,
 *    no `--env`); otherwise exit 2, never a throwaway file. (Modules with databases of their own
 *    need no default database: {@link groupByDatabase} refuses the embedded one for the others.)
 *
 * A value that is given but empty is an error, never a reason to go on down the list: an unset CI
 * secret (`--url "$DB"`, `MODKIT_DATABASE_URL: ${{ secrets.DB }}`) would otherwise migrate a
 * throwaway SQLite file and report success. Part of {@link resolveConfig}'s one precedence.
 */
export function chooseDatabase(inputs: DatabaseInputs): DatabaseChoice {
  const { env, named } = inputs;
  const given = (value: string, source: SettingSource, origin: string): DatabaseChoice => {
    try {
      return { target: { ...parseDatabaseUrl(value, source, inputs.cwd), origin } };
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`${origin}: ${error.message}`, { cause: error });
      throw error;
    }
  };
  if (inputs.databaseUrl !== undefined) {
    const origin = inputs.databaseUrlFrom ?? 'the databaseUrl option';
    if (isBlank(inputs.databaseUrl)) {
      throw new UsageError(
        `${origin} is empty (an unset variable in the command line?): pass a database URL, or leave it out ` +
          `to use ${DATABASE_URL_ENV}, database.url in the config or the embedded ${EMBEDDED_NAME} default`,
      );
    }
    return given(inputs.databaseUrl, 'flag', origin);
  }
  if (named?.database && Object.hasOwn(named.database, 'url')) {
    const where = `environments.${named.name}.database.url`;
    const url = named.database.url;
    if (url === undefined) {
      throw new UsageError(
        `--env ${named.name}: "${where}" is undefined (when it comes from process.env, that variable is not set); ` +
          'a named environment never falls back to another database',
      );
    }
    const target = inputs.parse(inputs.expand(url, where), where);
    const shadowed = env[DATABASE_URL_ENV] !== undefined ? { notUsed: [DATABASE_URL_ENV] } : {};
    return { target: target && { ...target, origin: `environments.${named.name} in the config`, ...shadowed } };
  }
  const envUrl = env[DATABASE_URL_ENV];
  if (envUrl !== undefined) {
    if (isBlank(envUrl)) {
      throw new UsageError(
        `${DATABASE_URL_ENV} is set but empty (an unset CI secret?): set it to a database URL, or unset it ` +
          `(\`unset ${DATABASE_URL_ENV}\`) to use database.url in the config or the embedded ${EMBEDDED_NAME} default`,
      );
    }
    return given(envUrl, 'env', DATABASE_URL_ENV);
  }
  if (inputs.fileUrl !== undefined) {
    const target = inputs.parse(inputs.expand(inputs.fileUrl, 'database.url'), 'database.url');
    return { target: target && { ...target, origin: 'the config' } };
  }
  const conventional = inputs.hasTargets ? undefined : env[CONVENTIONAL_URL_ENV];
  const usable = conventional !== undefined && !isBlank(conventional) && !inputs.runtimeUrls.includes(conventional);
  // A command that opens no database (lint: which engine the SQL is for) takes it only when usable.
  if (conventional !== undefined && (inputs.needsDatabase !== false || usable)) {
    if (isBlank(conventional)) {
      throw new UsageError(
        `${CONVENTIONAL_URL_ENV} is set but empty, and nothing else names the database to migrate: set it, ` +
          `or set ${DATABASE_URL_ENV} or database.url in the config, or pass --url`,
      );
    }
    if (inputs.runtimeUrls.includes(conventional)) {
      throw new UsageError(
        `nothing names the database to migrate, and ${CONVENTIONAL_URL_ENV} is the config's runtime URL ` +
          '(what modules get as ctx.db at run time, often a role that may not change the schema): ' +
          'migrations need their own URL. ' +
          `Set ${DATABASE_URL_ENV} or database.url in the config, or pass --url`,
      );
    }
    return given(conventional, 'env', CONVENTIONAL_URL_ENV);
  }
  if (inputs.needsDatabase !== false && (named || inputs.hasRuntimeUrl)) {
    const runtime = 'the config sets runtime.url (the URL modules get at run time)';
    const what = named ? `--env ${named.name} is given` : runtime;
    const inNamed = named ? ` (or environments.${named.name}.database.url)` : '';
    throw new UsageError(
      `${what}, but nothing names the database to migrate: set database.url in the config${inNamed}, ` +
        `${DATABASE_URL_ENV} in the environment or .env, or pass --url. ` +
        `modkit uses its embedded ${EMBEDDED_NAME} file only when no database of any kind is configured`,
    );
  }
  return { target: parseDatabaseUrl(embeddedUrl(inputs.rootDir), 'default', inputs.rootDir) };
}

function isBlank(value: string): boolean {
  return value.trim() === '';
}
