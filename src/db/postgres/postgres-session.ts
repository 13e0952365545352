import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { EngineSession } from '../engine-session.js';
import { postgresLockKeys } from '../lock-key.js';
import type { Session } from '../session.js';
import { AsyncOneRoundTrip } from './one-round-trip.js';
import { APPLICATION_NAMES, connectClient, PostgresConnection, sessionSettings } from './postgres-connection.js';
import { postgresDriver } from './postgres-driver.js';
import { DEFAULT_HISTORY_SCHEMA, postgresHistory } from './postgres-history.js';
import { readPostgresLintCatalog } from './postgres-lint-catalog.js';
import { joinBarrier, type PostgresRunLock } from './postgres-lock.js';
import { SessionReset } from './session-reset.js';

export interface PostgresSessionOptions {
  /** The run lock this session holds (none on a read-only session or a fork). */
  readonly lock?: PostgresRunLock;
  /** A fork's parent's lock: where blocker lookups and cancel requests go from. */
  readonly parentLock?: PostgresRunLock;
  /** A pool's connection, lent for one target: closing gives it back instead of closing it. */
  readonly lease?: { giveBack(connection: PostgresConnection): Promise<void> };
}

/**
 * PostgreSQL: transactional DDL, several connections at once (`--concurrency`), each SQL
 * migration in one round trip with asynchronous commits (one-round-trip.ts), `--tx-mode all` sending
 * a body in one call (PostgreSQL reports an error's position), lock timeouts retried per migration.
 */
export function postgresSession(
  target: DatabaseTarget,
  connection: PostgresConnection,
  options: PostgresSessionOptions = {},
): Session {
  const { lock, lease } = options;
  const reset = new SessionReset(target.searchPath);
  const lockSide = lock ?? options.parentLock;
  const dialect = postgresHistory(target.schema ?? DEFAULT_HISTORY_SCHEMA, connection);
  return new EngineSession(target, {
    driver: postgresDriver(target, connection, dialect, reset, lockSide),
    capabilities: { concurrentMigrations: true, transactionalDdl: true },
    ...(lock ? { lock } : {}),
    lintCatalog: { readLintCatalog: (request) => readPostgresLintCatalog(connection, request) },
    ownTransaction: (conn) => new AsyncOneRoundTrip(conn, connection, reset),
    options: { lockTimeoutRetries: 'migration', outerSqlInOneCall: true, closeReportsCommitFailure: false },
    async fork() {
      const client = await connectClient(target.url, sessionSettings(target), APPLICATION_NAMES.migration).catch(
        (error: unknown) => {
          throw unreachableError(target.url, error);
        },
      );
      const forked = new PostgresConnection(client);
      const session = postgresSession(target, forked, lockSide ? { parentLock: lockSide } : {});
      await joinBarrier(forked, postgresLockKeys(target.schema));
      return session;
    },
    async release() {
      if (lease) {
        // The connection leaves the barrier (DISCARD ALL) while the lock goes, on the other
        // connection, in the same moment: one round trip of the two. A run that takes the lock
        // in between finds the barrier still held and looks again (acquire-lock.ts polls).
        await Promise.all([lease.giveBack(connection), lock?.release()]);
        return;
      }
      await lock?.release();
      await connection.close();
    },
  });
}
