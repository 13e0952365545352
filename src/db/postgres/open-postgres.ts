import type { DatabaseTarget } from '../../config/types.js';
import { unreachableError } from '../connection-errors.js';
import { postgresLockKeys } from '../lock-key.js';
import type { Session } from '../session.js';
import {
  APPLICATION_NAMES,
  connectClient,
  PostgresConnection,
  sessionSettings,
  type OpenOptions,
} from './postgres-connection.js';
import { joinBarrier, PostgresRunLock } from './postgres-lock.js';
import { postgresSession } from './postgres-session.js';

/**
 * Opens a PostgreSQL session on `target`: the working connection and, unless read-only, the run
 * lock, whose own connection opens when the lock is first tried (a migrate with nothing to do never does).
 */
export async function openPostgres(target: DatabaseTarget, options: OpenOptions = {}): Promise<Session> {
  const settings = sessionSettings(target, options);
  let lock: PostgresRunLock | undefined;
  let connection: PostgresConnection | undefined;
  if (!options.readOnly)
    lock = new PostgresRunLock(target, () => joinBarrier(connection!, postgresLockKeys(target.schema)));
  try {
    connection = new PostgresConnection(await connectClient(target.url, settings, APPLICATION_NAMES.migration));
    return postgresSession(target, connection, lock ? { lock } : {});
  } catch (error) {
    await lock?.release();
    throw unreachableError(target.url, error);
  }
}
