import type { DatabaseGroup } from '../config/database-groups.js';
import type { DatabaseTarget } from '../config/types.js';
import type { HistoryWriter } from '../db/session.js';
import { UsageError } from '../errors.js';
import { withLockedSession } from '../execute/locked-session.js';
import type { EventSink } from '../execute/types.js';
import { planRepair, type RepairChange, type RepairPlan } from '../plan/plan-repair.js';
import { loadProject, type LoadProjectOptions, type Project } from '../project/load-project.js';
import { didYouMean } from '../util/did-you-mean.js';

export interface RepairOptions extends LoadProjectOptions {
  /** Only these modules (exactly these: not what they depend on); all modules when empty. */
  readonly modules?: readonly string[];
  /** Forget dirty migrations instead of marking them applied, so the next migrate runs them again. */
  readonly retry?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

export interface RepairReport {
  readonly project: Project;
  /** The default database. */
  readonly database: DatabaseTarget;
  /** The databases repaired, in lock order, each with its modules. */
  readonly databases: readonly DatabaseGroup[];
  /** The modules looked at, in system-first order. */
  readonly modules: readonly string[];
  readonly plan: RepairPlan;
  readonly lockWaitedMs: number;
}

/**
 * `modkit repair [--module M]`: under the migration locks and in one transaction per database, upgrades
 * history tables created by the Rust runtime (adds modkit's columns), records the checksum of
 * every applied migration whose row has none or whose file changed, and clears dirty rows.
 * Rows whose file is gone are left alone and reported.
 *
 * @example
 * ```ts
 * import { repair } from 'modkit';
 * const { plan } = await repair({ modules: ['billing'] });
 * for (const c of plan.changes) console.log(`${c.module} ${c.id}: ${c.kind}`);
 * ```
 */
export async function repair(options: RepairOptions = {}): Promise<RepairReport> {
  const project = await loadProject(options);
  const names = [...project.byName.keys()];
  const unknown = (options.modules ?? []).filter((m) => !project.byName.has(m));
  if (unknown.length > 0) throw new UsageError(unknown.map((m) => `Unknown module "${m}"${didYouMean(m, names)}.`));
  const wanted = new Set(options.modules ?? []);
  const modules = project.modules.filter((m) => wanted.size === 0 || wanted.has(m.name));
  const database = project.config.database;
  const lockOptions = { lockTimeoutMs: project.config.lockTimeoutMs, ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) };
  return withLockedSession(project.config, modules.map((m) => m.name), lockOptions, async ({ sessions, histories, lockWaitedMs }) => {
    const plan = planRepair(modules, histories, { retry: options.retry === true });
    const report = { project, database, databases: sessions.groups, modules: modules.map((m) => m.name), plan, lockWaitedMs };
    if (plan.changes.length === 0 && plan.upgrades.length === 0) return report;
    // One transaction per database (none spans two), in lock order.
    for (const [i, group] of sessions.groups.entries()) {
      const here = new Set(group.modules);
      const upgrades = plan.upgrades.filter((u) => here.has(u.module));
      const changes = plan.changes.filter((c) => here.has(c.module));
      if (upgrades.length === 0 && changes.length === 0) continue;
      await sessions.sessions[i]!.writeHistory(async (writer) => {
        for (const upgrade of upgrades) await writer.upgrade(histories.get(upgrade.module)!);
        for (const change of changes) {
          if (change.kind === 'dirty-retried') await writer.remove(change.table, change.id);
          else if (change.kind === 'dirty-cleared') await clearDirty(writer, change, plan);
          else await writer.repair(change.table, change.id, change.after!);
        }
      });
    }
    return report;
  });
}

/** A dirty row whose checksum is also re-recorded is cleared by repairRecord; otherwise only its state changes. */
async function clearDirty(writer: HistoryWriter, change: RepairChange, plan: RepairPlan): Promise<void> {
  const alsoChecksum = plan.changes.some((c) => c !== change && c.table === change.table && c.id === change.id);
  if (!alsoChecksum) await writer.markApplied(change.table, change.id);
}
