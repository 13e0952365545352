import type { DatabaseTarget } from '../config/types.js';
import { readHistories } from '../db/history-table.js';
import { openReadOnlySession } from '../db/session.js';
import type { ModuleHistory } from '../plan/types.js';

/**
 * Reads histories on a read-only connection, for dry runs. A database that does not exist yet
 * reads as empty histories (with their table names, so plans can still name them).
 */
export async function readHistoriesReadOnly(target: DatabaseTarget, modules: readonly string[]): Promise<Map<string, ModuleHistory>> {
  const session = await openReadOnlySession(target);
  if (!session) return new Map();
  try {
    return await readHistories(session.dialect, session.connection, modules);
  } finally {
    await session.connection.close();
  }
}
