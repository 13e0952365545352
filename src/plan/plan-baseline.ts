import { UsageError } from '../errors.js';
import { compareIds } from '../modules/migration-files.js';
import type { LoadedModule, Migration } from '../modules/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { ModuleHistory } from './types.js';

/** A migration up to the baseline id that the history already holds with a different checksum or state. */
export interface BaselineConflict {
  readonly id: string;
  readonly file?: string;
  /** What the history holds: a checksum, or `started` for a dirty row. */
  readonly recorded: string;
  readonly onDisk: string;
}

export interface BaselinePlan {
  readonly module: string;
  readonly table: string;
  readonly to: string;
  /** Migrations to record as applied without running them, in id order. */
  readonly record: readonly Migration[];
  /** Already recorded identically (or by the Rust runtime, without a checksum): left as they are. */
  readonly skip: readonly Migration[];
  /** Recorded differently: `baseline` refuses while there are any and records nothing. */
  readonly conflicts: readonly BaselineConflict[];
}

/**
 * What `modkit baseline <module> --to ID` records: every migration of the module with an id up
 * to and including ID. Pure. An unknown id throws {@link UsageError} with a suggestion.
 *
 * @example
 * const plan = planBaseline(module, history, '0003_add_refunds');
 * if (plan.conflicts.length === 0) console.log(plan.record.map((m) => m.id));
 */
export function planBaseline(module: LoadedModule, history: ModuleHistory, to: string): BaselinePlan {
  if (!module.migrations.some((m) => m.id === to)) {
    const ids = module.migrations.map((m) => m.id);
    throw new UsageError(
      `cannot baseline module "${module.name}" to ${to}: it has no migration with that id${didYouMean(to, ids)}. ` +
        `Its migrations: ${ids.length > 0 ? ids.join(', ') : 'none'}${module.migrationsDir ? ` (in ${module.migrationsDir})` : ''}.`,
    );
  }
  const recorded = new Map(history.records.map((r) => [r.version, r]));
  const record: Migration[] = [];
  const skip: Migration[] = [];
  const conflicts: BaselineConflict[] = [];
  for (const migration of module.migrations) {
    if (compareIds(migration.id, to) > 0) break;
    const row = recorded.get(migration.id);
    if (!row) record.push(migration);
    else if (row.state === 'started') conflicts.push(conflict(migration, 'started (dirty)'));
    else if (row.checksum === null || row.checksum === migration.checksum) skip.push(migration);
    else conflicts.push(conflict(migration, row.checksum));
  }
  return { module: module.name, table: history.table, to, record, skip, conflicts };
}

function conflict(migration: Migration, recorded: string): BaselineConflict {
  return { id: migration.id, ...(migration.file ? { file: migration.file } : {}), recorded, onDisk: migration.checksum };
}
