import { UsageError } from '../errors.js';
import { compareIds } from '../modules/migration-files.js';
import type { LoadedModule, Migration } from '../modules/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import { emptyHistory } from './plan-migrations.js';
import type { StopAt } from './stop-at.js';
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
  checkBaselineTarget(module, to);
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

/** An id the module does not have: exit 2 with a suggestion and the module's ids. */
export function checkBaselineTarget(module: LoadedModule, to: string): void {
  if (module.migrations.some((m) => m.id === to)) return;
  const ids = module.migrations.map((m) => m.id);
  throw new UsageError(
    `cannot baseline module "${module.name}" to ${to}: it has no migration with that id${didYouMean(to, ids)}. ` +
      `Its migrations: ${ids.length > 0 ? ids.join(', ') : 'none'}${module.migrationsDir ? ` (in ${module.migrationsDir})` : ''}.`,
  );
}

/**
 * `modkit baseline --all`: each module with migrations, up to its `to` entry or else its latest
 * migration. Modules without migrations have nothing to record and no plan. Pure; `to` must name
 * known modules and ids (see `unknownStopAt`).
 *
 * @example
 * const plans = planBaselineAll(modules, histories, { core: '0003_x' });
 */
export function planBaselineAll(
  modules: readonly LoadedModule[],
  histories: ReadonlyMap<string, ModuleHistory>,
  to: StopAt = {},
): BaselinePlan[] {
  return modules
    .filter((m) => m.migrations.length > 0)
    .map((m) => planBaseline(m, histories.get(m.name) ?? emptyHistory(m.name), to[m.name] ?? m.migrations.at(-1)!.id));
}

function conflict(migration: Migration, recorded: string): BaselineConflict {
  return {
    id: migration.id,
    ...(migration.file ? { file: migration.file } : {}),
    recorded,
    onDisk: migration.checksum,
  };
}
