import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { FileTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import type { RunLock } from '../session.js';
import { openDatabase } from './sqlite-connection.js';

/** The lock file beside a SQLite database: `<db>.modkit-lock`. */
export function sqliteLockPath(databasePath: string): string {
  return `${databasePath}.modkit-lock`;
}

/**
 * SQLite has no advisory locks, and holding a write transaction on the database itself would block
 * the migrations. So the lock is a write transaction (`BEGIN IMMEDIATE`) on a separate lock file:
 * SQLite implements it with an OS file lock (fcntl), which the kernel drops when the process dies,
 * so a crashed runner can never leave the lock stuck (unlike knex's lock row). SQLite runs in this
 * process, so nothing of a dead run can outlive it.
 */
export class SqliteRunLock implements RunLock {
  private lockDb: Database.Database | undefined;

  constructor(private readonly target: FileTarget) {}

  async tryAcquire(): Promise<boolean> {
    const path = this.target.filePath;
    if (path === ':memory:') return true; // private to this connection: nobody to race
    try {
      // timeout 0: better-sqlite3 would otherwise block the event loop for 5 s in SQLite's busy handler.
      this.lockDb ??= openDatabase(sqliteLockPath(path), { timeout: 0 });
    } catch (error) {
      throw unreachableError(this.target.url, error);
    }
    try {
      this.lockDb.exec('BEGIN IMMEDIATE');
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw error;
    }
  }

  async describeHolder(): Promise<string | undefined> {
    return `another process, through the lock file ${sqliteLockPath(this.target.filePath)}`;
  }

  async release(): Promise<void> {
    if (!this.lockDb) return;
    if (this.lockDb.inTransaction) this.lockDb.exec('ROLLBACK');
    this.lockDb.close();
    this.lockDb = undefined;
  }
}

/**
 * Whether a run holds the lock of the SQLite database at `target` now (`modkit wait`): tries to take
 * it (timeout 0) and lets go at once. No lock file yet: no run ever took it.
 */
export async function sqliteRunLockHeld(target: FileTarget): Promise<boolean> {
  const path = target.filePath;
  if (path === ':memory:' || !existsSync(sqliteLockPath(path))) return false;
  const lock = new SqliteRunLock(target);
  try {
    return !(await lock.tryAcquire());
  } finally {
    await lock.release();
  }
}
