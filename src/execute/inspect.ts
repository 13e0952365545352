import { groupByDatabase, type DatabaseGroup } from '../config/database-groups.js';
import type { DatabasePlacement } from '../config/module-databases.js';
import type { LoadedModule } from '../modules/types.js';
import { planMigrations } from '../plan/plan-migrations.js';
import type { StopAt } from '../plan/stop-at.js';
import type { AllowOptions, MigrationPlan } from '../plan/types.js';
import { readHistoriesReadOnly, type ReadOnlyOpener } from './read-histories-read-only.js';

export interface DatabaseInspection {
  readonly plan: MigrationPlan;
  /** The databases read, in lock order, each with its modules. */
  readonly databases: readonly DatabaseGroup[];
}

/**
 * Reads every history from its module's database on read-only connections and plans against
 * them together. Writes nothing, not even history tables; a database that does not exist yet
 * reads as empty.
 */
export async function inspectDatabases(
  placement: DatabasePlacement,
  modules: readonly LoadedModule[],
  allow: AllowOptions = {},
  open?: ReadOnlyOpener,
  to?: StopAt,
): Promise<DatabaseInspection> {
  const databases = groupByDatabase(
    placement,
    modules.map((m) => m.name),
  );
  const histories = await readHistoriesReadOnly(databases, open);
  return { plan: planMigrations(modules, histories, allow, to), databases };
}
