import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../../errors.js';
import type { Row, SqlRunner } from '../history-store.js';

/** How long a connection waits for another writer (an app, an admin shell) before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/** One better-sqlite3 database: the SqlRunner of a SQLite session. */
export class SqliteConnection implements SqlRunner {
  /** Prepared statements by SQL text: history inserts repeat once per migration. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  }

  async exec(sql: string): Promise<void> {
    // better-sqlite3's exec runs every statement of the script (knex's raw would run only the first).
    this.db.exec(sql);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** better-sqlite3's folder; undefined when it cannot be resolved (importing it has failed first then). */
const driverDir: string | undefined = (() => {
  try {
    return dirname(dirname(createRequire(import.meta.url).resolve('better-sqlite3')));
  } catch {
    return undefined;
  }
})();

/**
 * Where npm builds better-sqlite3's addon (build/Release, also where its prebuilt binaries go).
 * Left to itself, better-sqlite3 finds it through the `bindings` package, which probes ~20 paths:
 * ~2.5 ms of every SQLite run. Without that file (13.x's binaries in prebuilds/, a Debug build, a
 * bundler), `undefined` keeps better-sqlite3's own search.
 */
const nativeBinding: string | undefined = (() => {
  const file = driverDir && join(driverDir, 'build', 'Release', 'better_sqlite3.node');
  return file && existsSync(file) ? file : undefined;
})();

let driverFitsThisNode = false;

/**
 * better-sqlite3 13.x needs Node.js 22: on Node.js 20 loading its binary crashes the process (a
 * segmentation fault, no message at all). So its `engines.node` (a `>=` bound) is checked before:
 * a usage error that says which driver to install.
 */
function assertDriverFitsThisNode(): void {
  if (driverFitsThisNode || !driverDir) return;
  const manifest = readFileSync(join(driverDir, 'package.json'), 'utf8');
  const { version, engines } = JSON.parse(manifest) as { version: string; engines?: { node?: string } };
  const needs = engines?.node?.trim() ?? '';
  const [, needMajor = 0, needMinor = 0] = (/^>=\s*v?(\d+)(?:\.(\d+))?/.exec(needs) ?? []).map((n) => Number(n ?? 0));
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    throw new UsageError(
      `better-sqlite3 ${version} needs Node.js ${needs}, and this is ${process.version}: install the driver for ` +
        'this Node.js in your project (on Node.js 20: `npm install better-sqlite3@12`), or run a newer Node.js.',
    );
  }
  driverFitsThisNode = true;
}

/** Opens a database file, creating its directory first unless read-only. */
export function openDatabase(path: string, options: Database.Options = {}): Database.Database {
  assertDriverFitsThisNode();
  if (path !== ':memory:' && !options.readonly) ensureDirectory(dirname(path));
  return new Database(path, nativeBinding ? { nativeBinding, ...options } : options);
}

/**
 * Creates `dir` and its missing parents one level at a time. Node 20's `mkdirSync(…, { recursive })`
 * spins forever at 100 % CPU on a path under /proc (it retries ENOENT); one plain mkdir per level
 * fails at once instead, with the level that cannot be created.
 */
function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}
