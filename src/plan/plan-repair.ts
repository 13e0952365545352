import type { LoadedModule } from '../modules/types.js';
import type { ModuleHistory } from './types.js';

/** One change `modkit repair` makes to a history row. */
export interface RepairChange {
  readonly module: string;
  readonly table: string;
  readonly id: string;
  /**
   * `checksum-filled`: a row without checksum (written by the Rust runtime) gets the file's;
   * `checksum-updated`: the file changed after it was applied (drift), the new checksum is recorded;
   * `dirty-cleared`: a no-transaction migration that started and never finished is marked applied
   * (the user finished it by hand); `dirty-retried`: its row is deleted, so migrate runs it again
   * (the user undid its partial work by hand; `--retry`).
   */
  readonly kind: 'checksum-filled' | 'checksum-updated' | 'dirty-cleared' | 'dirty-retried';
  readonly before: string | null;
  readonly after: string | null;
  readonly file?: string;
}

export interface RepairPlan {
  readonly changes: readonly RepairChange[];
  /** History tables that lack modkit's columns (created by the Rust runtime): they are upgraded first. */
  readonly upgrades: readonly {
    readonly module: string;
    readonly table: string;
    readonly columns: readonly string[];
    readonly appliedAtConverted: boolean;
  }[];
  /** Applied rows whose file is gone: repair cannot re-record them and leaves them alone. */
  readonly missing: readonly { readonly module: string; readonly id: string }[];
}

/**
 * What `modkit repair` changes, per module: fills null checksums, re-records changed ones and
 * clears dirty rows. Pure; the executor applies the result in one transaction.
 *
 * @example
 * const plan = planRepair(modules, histories);
 * for (const c of plan.changes) console.log(c.module, c.id, c.kind);
 */
export function planRepair(
  modules: readonly LoadedModule[],
  histories: ReadonlyMap<string, ModuleHistory>,
  options: { readonly retry?: boolean } = {},
): RepairPlan {
  const changes: RepairChange[] = [];
  const upgrades: RepairPlan['upgrades'][number][] = [];
  const missing: RepairPlan['missing'][number][] = [];
  for (const module of modules) {
    const history = histories.get(module.name);
    if (!history?.exists) continue;
    if (history.missingColumns.length > 0 || history.legacyAppliedAt) {
      upgrades.push({
        module: module.name,
        table: history.table,
        columns: history.missingColumns,
        appliedAtConverted: history.legacyAppliedAt,
      });
    }
    for (const row of history.records) {
      const migration = module.migrations.find((m) => m.id === row.version);
      const base = {
        module: module.name,
        table: history.table,
        id: row.version,
        ...(migration?.file ? { file: migration.file } : {}),
      };
      if (row.state === 'started') {
        // The user checked the database by hand (the dirty message says so) and either finished
        // the migration (record it as done) or undid it (--retry: forget it, so it runs again).
        if (options.retry) {
          changes.push({ ...base, kind: 'dirty-retried', before: 'started', after: null });
          continue;
        }
        changes.push({ ...base, kind: 'dirty-cleared', before: 'started', after: 'applied' });
      }
      if (!migration) {
        if (row.state !== 'started') missing.push({ module: module.name, id: row.version });
        continue;
      }
      if (row.checksum === null)
        changes.push({ ...base, kind: 'checksum-filled', before: null, after: migration.checksum });
      else if (row.checksum !== migration.checksum)
        changes.push({ ...base, kind: 'checksum-updated', before: row.checksum, after: migration.checksum });
    }
  }
  return { changes, upgrades, missing };
}
