import pg from 'pg';
import type { DatabaseTarget } from '../../config/types.js';
import type { Knex } from '../../modules/knex-types.js';
import { sampleBlockers } from '../blocker-watch.js';
import type { EngineDriver, SessionHygiene } from '../driver.js';
import type { HistoryDialect } from '../history-store.js';
import { postgresLockKeys } from '../lock-key.js';
import { lineOfOffset, splitSqlStatements } from '../split-sql.js';
import { GUARD } from './migration-script.js';
import {
  APPLICATION_NAMES,
  CONNECT_TIMEOUT_MS,
  PostgresConnection,
  sessionSettings,
  startupOptions,
} from './postgres-connection.js';
import { joinBarrier, type PostgresRunLock } from './postgres-lock.js';
import type { SessionReset } from './session-reset.js';

/**
 * PostgreSQL through `pg`. `lockSide`: the run lock's connection (a fork's parent's), from which
 * blockers are looked up and cancel requests go.
 */
export function postgresDriver(
  target: DatabaseTarget,
  connection: PostgresConnection,
  dialect: HistoryDialect,
  reset: SessionReset,
  lockSide: PostgresRunLock | undefined,
): EngineDriver {
  return {
    runner: connection,
    dialect,
    transactionSql: { begin: 'BEGIN', commit: 'COMMIT', rollback: 'ROLLBACK' },
    guard: GUARD,
    knex: { client: 'pg', connection: connection.client, plainConfig: () => plainKnexConfig(target) },
    hygiene: resetHygiene(connection, reset),
    isStatementError: (error) => error instanceof pg.DatabaseError,
    isLockTimeout: (error) => (error as { code?: string })?.code === '55P03', // lock_not_available
    // active_sql_transaction: CREATE INDEX CONCURRENTLY, VACUUM, … inside a transaction.
    needsNoTransaction: (error) => (error as { code?: string })?.code === '25001',
    isGuardLost,
    errorLine(error, statement) {
      const position = Number((error as { position?: string })?.position);
      return Number.isInteger(position) && position > 0 ? lineOfOffset(statement.text, position - 1) : undefined;
    },
    lockTimeoutMsOf: (ms) => ms,
    async timeoutStatements(timeouts, scope) {
      const set = scope === 'local' ? 'SET LOCAL' : 'SET';
      return [
        ...(timeouts.lockMs > 0 ? [`${set} lock_timeout = '${Math.round(timeouts.lockMs)}ms'`] : []),
        ...(timeouts.statementMs > 0 ? [`${set} statement_timeout = '${Math.round(timeouts.statementMs)}ms'`] : []),
      ];
    },
    resetTimeouts: () => connection.exec('RESET lock_timeout; RESET statement_timeout'),
    splitStatements: splitSqlStatements,
    // Samples `pg_blocking_pids` of the working connection from the lock's connection.
    watchBlockers(lockMs) {
      const pid = connection.pid;
      if (!lockSide || !pid) return undefined;
      return sampleBlockers(() => lockSide.blockersOf(pid), lockMs);
    },
    cancel: () => cancelBackend(target, connection, lockSide),
  };
}

/**
 * `RELEASE`/`ROLLBACK TO` of the guard failed because its savepoint (3B001, which names it) or
 * the transaction block (25P01) is gone: the body ended modkit's transaction.
 */
export function isGuardLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === '25P01' || (code === '3B001' && String(message).includes('modkit_body'));
}

/** PostgreSQL does not say what a statement changed: after any migration the reset rides on modkit's next round trip. */
function resetHygiene(connection: PostgresConnection, reset: SessionReset): SessionHygiene {
  return {
    watch: (work) => work(),
    ran: () => reset.note(),
    prefix: (inTransaction) => reset.take(inTransaction),
    async clean() {
      const sql = reset.take(true); // alone in its message, it commits by itself (or with an open transaction)
      if (sql)
        await connection.exec(sql).catch((error: unknown) => {
          reset.note();
          throw error;
        });
    },
  };
}

async function cancelBackend(
  target: DatabaseTarget,
  connection: PostgresConnection,
  lockSide: PostgresRunLock | undefined,
): Promise<void> {
  const pid = connection.pid;
  if (!pid) return;
  if (lockSide) {
    await lockSide.cancel(pid);
    return;
  }
  const canceller = new pg.Client({
    connectionString: target.url,
    application_name: APPLICATION_NAMES.cancel,
    connectionTimeoutMillis: 5_000,
  });
  canceller.on('error', () => undefined);
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } finally {
    await canceller.end().catch(() => undefined);
  }
}

/** The one-connection pool of a no-transaction script; its connection joins the run's work barrier like ours. */
function plainKnexConfig(target: DatabaseTarget): Knex.Config {
  const keys = postgresLockKeys(target.schema);
  return {
    client: 'pg',
    connection: {
      connectionString: target.url,
      application_name: APPLICATION_NAMES.migration,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      options: startupOptions(sessionSettings(target)),
    },
    pool: {
      min: 0,
      max: 1,
      afterCreate(client: pg.Client, done: (error: Error | null, client: pg.Client) => void) {
        void joinBarrier(new PostgresConnection(client), keys).then(
          () => done(null, client),
          (error: Error) => done(error, client),
        );
      },
    },
  };
}
