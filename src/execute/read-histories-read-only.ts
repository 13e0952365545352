import type { DatabaseTarget } from '../config/types.js';
import { openReadOnlySession } from '../db/load-engine.js';
import type { ModuleHistory } from '../plan/types.js';

/**
 * Reads histories on a read-only connection, for dry runs. A database that does not exist yet
 * reads as empty histories.
 */
export async function readHistoriesReadOnly(target: DatabaseTarget, modules: readonly string[]): Promise<Map<string, ModuleHistory>> {
  const session = await openReadOnlySession(target);
  if (!session) return new Map();
  try {
    return await session.readHistories(modules);
  } finally {
    await session.close();
  }
}
