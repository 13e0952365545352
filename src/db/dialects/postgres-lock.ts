import type pg from 'pg';
import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { POSTGRES_LOCK_KEY } from '../lock-key.js';
import type { DatabaseLock } from './types.js';
import { connectClient } from './postgres-client.js';

const KEY = POSTGRES_LOCK_KEY.toString();

/**
 * The session advisory lock of the db phase, on a dedicated connection of its own (SPEC §5): the
 * connections that run migrations can fail, be cancelled or be several (--concurrency) without
 * touching the lock, and the server drops it if this process dies. The connection starts opening
 * as soon as the lock is created, alongside the migration connection.
 */
export function postgresLock(target: DatabaseTarget): DatabaseLock {
  const opening = connectClient(target.url, [], 'modkit-lock').catch((error: unknown) => {
    throw unreachableError(target.url, error);
  });
  opening.catch(() => undefined); // reported by the first tryAcquire, not as an unhandled rejection
  const client = async (): Promise<pg.Client> => opening;
  return {
    async tryAcquire() {
      const result = await (await client()).query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [KEY]);
      return result.rows[0]?.locked === true;
    },
    async release() {
      const lockClient = await opening.catch(() => undefined);
      if (!lockClient) return;
      // Closing the session releases the lock too; unlocking first says so explicitly.
      await lockClient.query('SELECT pg_advisory_unlock($1::bigint)', [KEY]).catch(() => undefined);
      await lockClient.end().catch(() => undefined);
    },
    async describeHolder() {
      const result = await (await client()).query<{ pid: number; usename: string; application_name: string; client_addr: string | null; since: string }>(
        `SELECT a.pid, a.usename, a.application_name, host(a.client_addr) AS client_addr,
                to_char(a.backend_start, 'YYYY-MM-DD"T"HH24:MI:SS') AS since
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1`,
        [Number(POSTGRES_LOCK_KEY >> 32n), Number(POSTGRES_LOCK_KEY & 0xffffffffn)],
      );
      const holder = result.rows[0];
      if (!holder) return undefined;
      const from = holder.client_addr ? ` from ${holder.client_addr}` : '';
      return `backend pid ${holder.pid} (user ${holder.usename}, application "${holder.application_name}"${from}, connected since ${holder.since})`;
    },
  };
}
