import type { DatabaseTarget } from '../config/types.js';
import type { LoadedModule } from '../modules/types.js';
import { planMigrations } from '../plan/plan-migrations.js';
import type { AllowOptions, MigrationPlan } from '../plan/types.js';
import { readHistoriesReadOnly } from './read-histories-read-only.js';

/**
 * Reads every history on a read-only connection and plans against it. Writes nothing, not even
 * history tables; a database that does not exist yet reads as empty.
 */
export async function inspectDatabase(
  target: DatabaseTarget,
  modules: readonly LoadedModule[],
  allow: AllowOptions = {},
): Promise<MigrationPlan> {
  const histories = await readHistoriesReadOnly(target, modules.map((m) => m.name));
  return planMigrations(modules, histories, allow);
}
