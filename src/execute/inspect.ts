import type { DatabaseTarget } from '../config/types.js';
import { readHistories } from '../db/history-table.js';
import { openReadOnlySession } from '../db/session.js';
import type { LoadedModule } from '../modules/types.js';
import { planMigrations } from '../plan/plan-migrations.js';
import type { AllowOptions, MigrationPlan } from '../plan/types.js';

/**
 * Reads every history on a read-only connection and plans against it. Writes nothing, not even
 * history tables; a database that does not exist yet reads as empty.
 */
export async function inspectDatabase(
  target: DatabaseTarget,
  modules: readonly LoadedModule[],
  allow: AllowOptions = {},
): Promise<MigrationPlan> {
  const session = await openReadOnlySession(target);
  if (!session) return planMigrations(modules, new Map(), allow);
  try {
    const histories = await readHistories(session.dialect, session.connection, modules.map((m) => m.name));
    return planMigrations(modules, histories, allow);
  } finally {
    await session.connection.close();
  }
}
