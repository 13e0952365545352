import { isAbsolute, relative } from 'node:path';
import { describeTarget, redactUrl } from '../config/database-url.js';
import type { DatabaseGroup } from '../config/database-groups.js';
import type { DatabaseTarget } from '../config/types.js';
import { EMBEDDED, engineName } from '../engines/engine-table.js';
import { ModkitError } from '../errors.js';
import { envFileOf } from './env-files.js';
import { stdoutForDocument } from './json-stdout.js';

/** The version of every `--json` document's shape (docs/json-output.md). */
export const JSON_SCHEMA_VERSION = 1;

/** How long a {@link Output.lineSoon} line may wait to be written with the lines after it. */
export const LINES_WAIT_MS = 50;
/** Waiting text is written at once past this size. */
const MAX_WAITING = 64 * 1024;

export interface OutputOptions {
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

/**
 * The only writer to the terminal. Human lines go to stdout; under `--json` stdout carries one
 * JSON document and every human line goes to stderr instead.
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly isTTY: boolean;
  /** Lines {@link lineSoon} holds back, and the timer that writes them. */
  private waiting = '';
  private waitTimer: NodeJS.Timeout | undefined;
  /** {@link flush} as a listener (the timer's, and process exit's). */
  private readonly writeWaiting = () => this.flush();

  constructor(
    options: OutputOptions,
    private readonly stdout: NodeJS.WriteStream = stdoutForDocument(),
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.json = options.json === true;
    this.quiet = options.quiet === true;
    this.verbose = options.verbose === true;
    this.isTTY = !this.json && stdout.isTTY === true;
  }

  /** A line of human output (suppressed by --quiet). */
  line(text = ''): void {
    if (this.quiet) return;
    this.flush();
    (this.json ? this.stderr : this.stdout).write(`${text}\n`);
  }

  /**
   * A line that may wait up to {@link LINES_WAIT_MS} to be written together with the lines after
   * it (a migration's line as it finishes). Where stdout is a pipe, every write wakes the process
   * that reads it: a SQLite apply of 1,000 migrations read through a pipe took 1.16x the time of the
   * same run with no lines, and `--concurrency 4` on PostgreSQL spent 6 % of its client's CPU on
   * them (docs/performance.md). On a terminal, and under --json, it is
   * {@link line}. Anything else written, and {@link flush}, writes the waiting lines first, so the
   * order of modkit's own output never changes; the caller flushes before code that may print, and
   * before a migration that holds the thread (a SQLite statement: no timer could write the lines
   * while it runs, and a log would not show what finished before it).
   */
  lineSoon(text: string): void {
    if (this.quiet) return;
    if (this.isTTY || this.json) {
      this.line(text);
      return;
    }
    // process.exit() from anywhere: written before the exit guard's paragraph.
    if (this.waiting === '') process.prependOnceListener('exit', this.writeWaiting);
    this.waiting += `${text}\n`;
    if (this.waiting.length >= MAX_WAITING) this.flush();
    else this.waitTimer ??= setTimeout(this.writeWaiting, LINES_WAIT_MS).unref();
  }

  /** Writes the lines that wait ({@link lineSoon}), if any. */
  flush(): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    if (this.waiting === '') return;
    process.off('exit', this.writeWaiting);
    const text = this.waiting;
    this.waiting = '';
    this.stdout.write(text);
  }

  /** A diagnostic only shown with --verbose. */
  debug(text: string): void {
    if (!this.verbose) return;
    this.flush();
    this.stderr.write(`${text}\n`);
  }

  /** A warning: always shown, on stderr. */
  warn(text: string): void {
    this.flush();
    this.stderr.write(`warning: ${text}\n`);
  }

  /** The one JSON document of a `--json` run. */
  document(command: string, exitCode: number, body: Record<string, unknown>): void {
    if (!this.json) return;
    this.stdout.write(`${JSON.stringify({ modkit: JSON_SCHEMA_VERSION, command, exitCode, ...body }, null, 2)}\n`);
  }

  /**
   * A `--json` document written as it grows, so a long list (a fleet's targets) is never held in
   * memory: `item` writes one entry of `listKey` at a time; `end` closes the list and writes the
   * rest, the exit code last (it is known only then). Undefined without --json.
   */
  documentStream(
    command: string,
    listKey: string,
  ): { item(entry: unknown): void; end(exitCode: number, body: Record<string, unknown>): void } | undefined {
    if (!this.json) return undefined;
    const out = this.stdout;
    const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
    out.write(
      `{\n  "modkit": ${JSON_SCHEMA_VERSION},\n  "command": ${JSON.stringify(command)},\n  ${JSON.stringify(listKey)}: [`,
    );
    let first = true;
    return {
      item(entry) {
        out.write(`${first ? '' : ','}\n    ${indent(JSON.stringify(entry, null, 2), '    ')}`);
        first = false;
      },
      end(exitCode, body) {
        out.write(`${first ? '' : '\n  '}]`);
        for (const [key, value] of Object.entries({ ...body, exitCode }))
          out.write(`,\n  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ')}`);
        out.write('\n}\n');
      },
    };
  }

  /** An error paragraph on stderr; the stack only with --verbose. */
  error(error: unknown): void {
    this.flush();
    const message = error instanceof Error ? error.message : String(error);
    this.stderr.write(`error: ${message}\n`);
    if (this.verbose && error instanceof Error && error.stack) {
      this.stderr.write(`${error.stack}\n`);
      if (error.cause instanceof Error && error.cause.stack) this.stderr.write(`caused by: ${error.cause.stack}\n`);
    }
  }

  /** A transient progress line (TTY only), overwritten by the next one. */
  progress(text: string): void {
    if (!this.isTTY || this.quiet) return;
    this.stdout.write(`\r\x1b[2K${text}`);
  }

  clearProgress(): void {
    if (this.isTTY && !this.quiet) this.stdout.write('\r\x1b[2K');
  }
}

/** A JSON-safe description of an error, for documents. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (error instanceof ModkitError) return { kind: error.kind, message: error.message, ...error.details };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** The database as printed: engine, redacted URL, and where the setting came from. */
export function databaseJson(target: DatabaseTarget): Record<string, unknown> {
  return {
    engine: target.engine,
    url: redactUrl(target.url),
    source: target.source,
    ...(target.origin ? { from: target.origin } : {}),
    ...(target.filePath ? { path: target.filePath } : {}),
  };
}

/**
 * The databases of a run, as `--json` documents list them (`databases[]`), in lock order: each
 * with its modules, and whether it is the default database.
 */
export function databasesJson(groups: readonly DatabaseGroup[]): Record<string, unknown>[] {
  return groups.map((g) => ({ ...databaseJson(g.target), default: g.isDefault, modules: [...g.modules] }));
}

/** Each module's database as `--json` names it per module: the redacted URL of its `databases[]` entry. */
export function moduleDatabaseUrls(groups: readonly DatabaseGroup[]): Map<string, string> {
  return new Map(groups.flatMap((g) => g.modules.map((m) => [m, redactUrl(g.target.url)] as const)));
}

/** The first line of a run that needs no database (run-pipeline.ts `needsNoDatabase`): none is opened or created. */
export const NO_DATABASE_LINE = 'No database: no module has migrations and none is configured';

/**
 * The first line of output when modules may live in databases of their own: the default database
 * as {@link describeDatabase} says it, then the modules that are elsewhere and where. A default
 * from `--database-url` or `MODKIT_DATABASE_URL` does not move them, and the line says so.
 */
export function describeDatabases(defaultTarget: DatabaseTarget, groups: readonly DatabaseGroup[]): string {
  const own = groups.filter((g) => !g.isDefault);
  if (own.length === 0) return describeDatabase(defaultTarget);
  const count = own.reduce((n, g) => n + g.modules.length, 0);
  const overridden = defaultTarget.source === 'flag' || defaultTarget.source === 'env';
  const override = overridden ? originOf(defaultTarget) : undefined;
  const where = own.map((g) => `${g.modules.join(', ')} in ${describeTarget(g.target)}`).join('; ');
  const ownPart = `${count === 1 ? 'a module with its' : 'modules with their'} own database${override ? ` (${override} does not move ${count === 1 ? 'it' : 'them'})` : ''}: ${where}`;
  if (groups.some((g) => g.isDefault)) return `${describeDatabase(defaultTarget)}; ${ownPart}`;
  return `Using only ${ownPart}${override ? `; ${override} names the default database, which none of these modules uses` : ''}`;
}

/**
 * The suffix of a human line about `module`: its database in parentheses when the run spans
 * several databases and the module is not in the default one (whose name the first line gives).
 */
export function databaseSuffix(groups: readonly DatabaseGroup[]): (module: string) => string {
  if (groups.length <= 1) return () => '';
  const labels = new Map(
    groups
      .filter((g) => !g.isDefault)
      .flatMap((g) => g.modules.map((m) => [m, `  (${describeTarget(g.target)})`] as const)),
  );
  return (module) => labels.get(module) ?? '';
}

/** ` across N databases` for summary lines of runs that span more than one. */
export function acrossDatabases(groups: readonly DatabaseGroup[]): string {
  return groups.length > 1 ? ` across ${groups.length} databases` : '';
}

/** The first line of output that says which database is used (SPEC §2.1 embedded default). */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.source === 'default') {
    return `Using the embedded ${engineName(EMBEDDED.engine)} database ${target.filePath} (no database configured: set database.url in the config, MODKIT_DATABASE_URL in the environment or .env, or --url)`;
  }
  const notUsed = (target.notUsed ?? []).map((name) => `; ${name}${inFile(name)} is set but not used`).join('');
  return `Using ${describeTarget(target)} (from ${originOf(target)}${inFile(target.origin)}${notUsed})`;
}

/** Where a database setting came from, as typed: `--url`, `MODKIT_DATABASE_URL`, `the config`. */
function originOf(target: DatabaseTarget): string {
  const bySource = { flag: '--database-url', env: 'the environment', config: 'the config', default: 'default' };
  return target.origin ?? bySource[target.source];
}

/** ` in .env` when the CLI took the variable `name` from an env file. */
function inFile(name: string | undefined): string {
  const file = name === undefined ? undefined : envFileOf(name);
  return file ? ` in ${displayPath(file)}` : '';
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The first few of `pending` (module and id), for a log line. */
export function listPending(pending: readonly { readonly module: string; readonly id: string }[]): string {
  return (
    pending
      .slice(0, 5)
      .map((p) => `${p.module} ${p.id}`)
      .join(', ') + (pending.length > 5 ? ', …' : '')
  );
}

export { plural } from '../util/plural.js';

/** A path as a person wants to read it: relative to the current directory when it lies below it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
