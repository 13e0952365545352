import type { DatabaseTarget } from '../../config/types.js';
import { redactUrl } from '../../config/redact-url.js';
import { UsageError } from '../../errors.js';
import { unreachableError } from '../connection-errors.js';
import type { Session } from '../session.js';
import { connectMysql, databaseOf } from './mysql-connection.js';
import { MysqlRunLock } from './mysql-lock.js';
import { MysqlSession } from './mysql-session.js';

/** ER_BAD_DB_ERROR: the URL's database does not exist. */
const UNKNOWN_DATABASE = 1049;

/**
 * Opens a MySQL/MariaDB session on `target`: the working connection and, unless read-only, the
 * run lock's own connection, opened side by side. Read-only: a database that does not exist yet
 * gives `undefined` (it reads as empty), and the session refuses writes (`TRANSACTION READ ONLY`).
 */
export async function openMysql(target: DatabaseTarget, options: { readonly readOnly?: boolean } = {}): Promise<Session | undefined> {
  if (databaseOf(target.url) === '') {
    throw new UsageError(`the MariaDB/MySQL URL "${redactUrl(target.url)}" names no database: add it as the path, e.g. mysql://user@host:3306/app`);
  }
  let lock: MysqlRunLock | undefined;
  let session: MysqlSession | undefined;
  if (!options.readOnly) lock = new MysqlRunLock(target, () => session!.joinWorkBarrier());
  try {
    // Several statements per call: a migration's bookkeeping travels with its transaction statements.
    const connection = await connectMysql(target.url, { multipleStatements: true });
    if (options.readOnly) await connection.exec('SET SESSION TRANSACTION READ ONLY');
    session = new MysqlSession(target, connection, lock);
    return session;
  } catch (error) {
    await lock?.release();
    if (options.readOnly && (error as { errno?: number }).errno === UNKNOWN_DATABASE) return undefined;
    throw unreachableError(target.url, error);
  }
}
