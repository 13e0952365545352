import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { connectMysql, type MysqlConnection } from './mysql-connection.js';

/**
 * The server's own name for this database: MariaDB's `server_uid` (a hash of a MAC address and the
 * port it listens on) or MySQL's `server_uuid` (made on first start), whichever the server has, and
 * the database. SHOW, because naming the variable the server lacks in a SELECT is an error.
 */
const SERVER_ID_SQL = "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('server_uid', 'server_uuid')";

/** What the server says `target` is, on a short connection of its own (exit 5 when unreachable). */
export async function identifyMysql(target: DatabaseTarget): Promise<string> {
  let connection: MysqlConnection;
  try {
    connection = await connectMysql(target.url);
  } catch (error) {
    throw unreachableError(target.url, error);
  }
  try {
    const ids = await connection.query<{ Variable_name: string; Value: string }>(SERVER_ID_SQL);
    const [row] = await connection.query<{ db: string | null }>('SELECT DATABASE() AS db');
    const server = ids.map((r) => `${r.Variable_name}=${r.Value}`).join(',');
    return `${server}/${row?.db ?? ''}`;
  } finally {
    await connection.close();
  }
}
