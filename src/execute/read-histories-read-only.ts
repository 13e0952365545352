import type { DatabaseGroup } from '../config/database-groups.js';
import { openReadOnlySession } from '../db/load-engine.js';
import type { ModuleHistory } from '../plan/types.js';
import type { DatabaseTarget } from '../config/types.js';
import type { Session } from '../db/session.js';

/** Opens a read-only session; undefined when the database does not exist yet. */
export type ReadOnlyOpener = (target: DatabaseTarget) => Promise<Session | undefined>;

/**
 * Reads the histories of every group's modules, each from its database on a read-only
 * connection, for dry runs. A database that does not exist yet reads as empty histories.
 */
export async function readHistoriesReadOnly(
  groups: readonly DatabaseGroup[],
  open: ReadOnlyOpener = openReadOnlySession,
): Promise<Map<string, ModuleHistory>> {
  const histories = new Map<string, ModuleHistory>();
  for (const group of groups) {
    const session = await open(group.target);
    if (!session) continue;
    try {
      for (const [module, history] of await session.readHistories(group.modules)) histories.set(module, history);
    } finally {
      await session.close();
    }
  }
  return histories;
}
