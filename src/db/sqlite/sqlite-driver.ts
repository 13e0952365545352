import Database from 'better-sqlite3';
import type { FileTarget } from '../../config/types.js';
import { SAVEPOINT_GUARD } from '../body-guard.js';
import { NO_HYGIENE, type EngineDriver } from '../driver.js';
import { splitSqlStatements } from '../split-sql.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { sqliteHistory } from './sqlite-history.js';
import { sqliteKnexConfig } from './sqlite-knex-config.js';

/**
 * SQLite through better-sqlite3: statements run in this process, synchronously (nothing to
 * cancel: a signal is handled between statements), no server timeouts, no error positions.
 */
export function sqliteDriver(target: FileTarget, connection: SqliteConnection): EngineDriver {
  return {
    runner: connection,
    dialect: sqliteHistory(connection.db),
    transactionSql: { begin: 'BEGIN IMMEDIATE', commit: 'COMMIT', rollback: 'ROLLBACK' },
    guard: SAVEPOINT_GUARD,
    knex: { client: 'better-sqlite3', connection: connection.db, plainConfig: () => sqliteKnexConfig(target) },
    hygiene: NO_HYGIENE,
    isStatementError: isSqliteStatementError,
    isLockTimeout: () => false,
    needsNoTransaction: () => false,
    // `no such savepoint` (the body committed, rolled back or began anew), or no transaction at all.
    isGuardLost: (error) => /no such savepoint|no transaction is active/i.test(String((error as Error)?.message)),
    errorLine: () => undefined,
    lockTimeoutMsOf: (ms) => ms,
    timeoutStatements: async () => [],
    resetTimeouts: async () => undefined,
    splitStatements: splitSqlStatements,
    watchBlockers: () => undefined,
    cancel: async () => undefined,
  };
}

/** SQLite reports everything as SqliteError; I/O and disk-full are not the statement's fault. */
export function isSqliteStatementError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  return error instanceof Database.SqliteError && !/^SQLITE_(IOERR|FULL|NOMEM|CORRUPT|NOTADB|CANTOPEN)/.test(code);
}
