import { existsSync } from 'node:fs';
import type { FileTarget } from '../../config/types.js';
import { ModkitError } from '../../errors.js';
import { unreachableError } from '../connection-errors.js';
import { EngineSession } from '../engine-session.js';
import type { Session } from '../session.js';
import { GroupCommit } from './group-commit.js';
import { BUSY_TIMEOUT_MS, openDatabase, SqliteConnection } from './sqlite-connection.js';
import { sqliteDriver } from './sqlite-driver.js';
import { SqliteRunLock } from './sqlite-lock.js';

/**
 * Opens a SQLite session. Read-only: a database file that does not exist yet gives `undefined`
 * (opening it would create it, and a look must leave no trace).
 */
export async function openSqlite(
  target: FileTarget,
  options: { readonly readOnly?: boolean } = {},
): Promise<Session | undefined> {
  const path = target.filePath;
  if (options.readOnly && path !== ':memory:' && !existsSync(path)) return undefined;
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(path, options.readOnly ? { readonly: path !== ':memory:' } : {});
  } catch (error) {
    throw unreachableError(target.url, error);
  }
  // Wait briefly for the application's own writers instead of failing with SQLITE_BUSY.
  if (!options.readOnly) db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return sqliteSession(target, new SqliteConnection(db), options.readOnly ? undefined : new SqliteRunLock(target));
}

/**
 * SQLite: transactional DDL, one writer per database (no `--concurrency`), statements run in this
 * process; migrations commit in groups (group-commit.ts).
 */
function sqliteSession(target: FileTarget, connection: SqliteConnection, lock: SqliteRunLock | undefined): Session {
  return new EngineSession(target, {
    driver: sqliteDriver(target, connection),
    capabilities: {
      concurrentMigrations: false,
      oneAtATime: 'SQLite has one writer per database',
      transactionalDdl: true,
      blocksThread: true,
    },
    ...(lock ? { lock } : {}),
    ownTransaction: (conn) => new GroupCommit(conn, connection),
    // A group commit still open at close is committed, never silently rolled back: its failure is reported.
    options: { lockTimeoutRetries: 'migration', outerSqlInOneCall: false, closeReportsCommitFailure: true },
    fork: async () => {
      throw new ModkitError(
        'usage',
        'SQLite has one writer per database: modules cannot migrate on several connections at once',
      );
    },
    release: async () => {
      await lock?.release();
      connection.close();
    },
  });
}
