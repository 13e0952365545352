import type { FileTarget } from '../../config/types.js';
import type { EngineModule } from '../load-engine.js';
import { sqliteRunLockHeld } from './sqlite-lock.js';
import { sqliteKnexConfig } from './sqlite-knex-config.js';
import { openSqlite } from './sqlite-session.js';

/** SQLite through `better-sqlite3`. */
export const sqliteEngine: EngineModule<FileTarget> = {
  open: openSqlite,
  // One connection: SQLite has one writer, and a pool of several would only wait on each other.
  runLockHeld: sqliteRunLockHeld,
  runtimeKnexConfig: (target) => sqliteKnexConfig(target),
};
