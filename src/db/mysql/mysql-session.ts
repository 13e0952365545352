import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { EngineSession } from '../engine-session.js';
import type { Session } from '../session.js';
import { connectMysql, databaseOf, type MysqlConnection, type ServerTraits } from './mysql-connection.js';
import { MysqlDriver } from './mysql-driver.js';
import { takeWorkSlot, type MysqlRunLock } from './mysql-lock.js';
import { MarkedTransaction } from './marked-transaction.js';

export interface MysqlSessionOptions {
  /** The run lock this session holds (none on a read-only session or a fork). */
  readonly lock?: MysqlRunLock;
  /** A fork's parent's lock: where blocker lookups and KILL QUERY go from. */
  readonly parentLock?: MysqlRunLock;
  /** A fork's parent's server traits, so that the fork asks nothing. */
  readonly traits?: Promise<ServerTraits>;
}

/**
 * MariaDB/MySQL: DDL commits implicitly, so every transactional migration runs with its marks
 * (marked-transaction.ts); a lock timeout retries the one statement; several connections at once
 * (`--concurrency`) are fine. A migration that changed the session (a variable, `USE`, a role)
 * leaves it reset for the next one (mysql-session-state.ts).
 */
export function mysqlSession(
  target: DatabaseTarget,
  connection: MysqlConnection,
  options: MysqlSessionOptions = {},
): Session {
  const { lock } = options;
  const lockSide = lock ?? options.parentLock;
  const driver = new MysqlDriver(target, connection, databaseOf(target.url), lockSide, options.traits);
  return new EngineSession(target, {
    driver,
    capabilities: { concurrentMigrations: true, transactionalDdl: false },
    ...(lock ? { lock } : {}),
    ownTransaction: (conn) => new MarkedTransaction(conn, driver),
    options: { lockTimeoutRetries: 'statement', outerSqlInOneCall: false, closeReportsCommitFailure: false },
    async fork() {
      const forked = await connectMysql(target.url, { multipleStatements: true }).catch((error: unknown) => {
        throw unreachableError(target.url, error);
      });
      const traits = driver.knownTraits;
      const session = mysqlSession(target, forked, {
        ...(lockSide ? { parentLock: lockSide } : {}),
        ...(traits ? { traits } : {}),
      });
      await joinWorkBarrier(forked, target);
      return session;
    },
    async release() {
      // The working connection first: its work slot goes with it, so the next run need not wait for it.
      await connection.close();
      await lock?.release();
    },
  });
}

/** Takes a work slot on the working connection (see MysqlRunLock): before any statement of this run. */
export async function joinWorkBarrier(connection: MysqlConnection, target: DatabaseTarget): Promise<void> {
  const { sql, params } = takeWorkSlot(databaseOf(target.url));
  await connection.query(sql, params);
}
