import type { DatabaseTarget } from '../../config/types.js';
import { redactUrl } from '../../config/redact-url.js';
import { UsageError } from '../../errors.js';
import { unreachableError } from '../connection-errors.js';
import type { Session } from '../session.js';
import { connectMysql, databaseOf, type MysqlConnection } from './mysql-connection.js';
import { MysqlRunLock } from './mysql-lock.js';
import { joinWorkBarrier, mysqlSession } from './mysql-session.js';

/** ER_BAD_DB_ERROR: the URL's database does not exist. */
const UNKNOWN_DATABASE = 1049;

/**
 * Opens a MySQL/MariaDB session on `target`: the working connection and, unless read-only, the
 * run lock, whose own connection opens when the lock is first tried (a no-op migrate never does). Read-only: a database that does not exist yet
 * gives `undefined` (it reads as empty), and the session refuses writes (`TRANSACTION READ ONLY`).
 */
export async function openMysql(
  target: DatabaseTarget,
  options: { readonly readOnly?: boolean } = {},
): Promise<Session | undefined> {
  if (databaseOf(target.url) === '') {
    throw new UsageError(
      `the MariaDB/MySQL URL "${redactUrl(target.url)}" names no database: add it as the path, e.g. mysql://user@host:3306/app`,
    );
  }
  let lock: MysqlRunLock | undefined;
  let connection: MysqlConnection | undefined;
  if (!options.readOnly) lock = new MysqlRunLock(target, () => joinWorkBarrier(connection!, target));
  try {
    // Several statements per call: a migration's bookkeeping travels with its transaction statements.
    connection = await connectMysql(target.url, { multipleStatements: true });
    if (options.readOnly) await connection.exec('SET SESSION TRANSACTION READ ONLY');
    return mysqlSession(target, connection, lock ? { lock } : {});
  } catch (error) {
    await lock?.release();
    if (options.readOnly && (error as { errno?: number }).errno === UNKNOWN_DATABASE) return undefined;
    throw unreachableError(target.url, error);
  }
}
