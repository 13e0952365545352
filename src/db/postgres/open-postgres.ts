import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { postgresLockKeys } from '../lock-key.js';
import type { Session } from '../session.js';
import { APPLICATION_NAMES, connectClient, PostgresConnection, sessionSettings, type OpenOptions } from './postgres-connection.js';
import { joinBarrier, PostgresRunLock } from './postgres-lock.js';
import { PostgresSession } from './postgres-session.js';

/**
 * Opens a PostgreSQL session on `target`: the working connection and, unless read-only, the run
 * lock's own connection, opened side by side.
 */
export async function openPostgres(target: DatabaseTarget, options: OpenOptions = {}): Promise<Session> {
  const settings = sessionSettings(target, options);
  let lock: PostgresRunLock | undefined;
  let session: PostgresSession | undefined;
  if (!options.readOnly) lock = new PostgresRunLock(target, () => joinBarrier(session!.connection, postgresLockKeys(target.schema)));
  try {
    const client = await connectClient(target.url, settings, APPLICATION_NAMES.migration);
    session = new PostgresSession(target, new PostgresConnection(client), lock);
    return session;
  } catch (error) {
    await lock?.release();
    throw unreachableError(target.url, error);
  }
}
