import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { APPLICATION_NAMES, connectClient } from './postgres-connection.js';

/**
 * The server's own name for this database: the cluster's `system_identifier` (made by initdb, the
 * same on every address the server answers on) and the database's name. A role that may not call
 * `pg_control_system()` (servers before 15 grant it to superusers only) gets the postmaster's
 * start time and port instead, which two running servers do not share either.
 */
const IDENTITY_SQL =
  'SELECT (SELECT system_identifier FROM pg_control_system())::text AS server, current_database() AS db';
const FALLBACK_SQL =
  "SELECT pg_postmaster_start_time()::text || ' port ' || coalesce(inet_server_port(), 0) AS server, " +
  'current_database() AS db';
const INSUFFICIENT_PRIVILEGE = '42501';

/** What the server says `target` is, on a short connection of its own (exit 5 when unreachable). */
export async function identifyPostgres(target: DatabaseTarget): Promise<string> {
  let client: Awaited<ReturnType<typeof connectClient>>;
  try {
    client = await connectClient(target.url, [], APPLICATION_NAMES.migration);
  } catch (error) {
    throw unreachableError(target.url, error);
  }
  try {
    const rows = await client.query<{ server: string; db: string }>(IDENTITY_SQL).catch((error: { code?: string }) => {
      if (error.code !== INSUFFICIENT_PRIVILEGE) throw error;
      return client.query<{ server: string; db: string }>(FALLBACK_SQL);
    });
    const row = rows.rows[0]!;
    return `${row.server}/${row.db}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
