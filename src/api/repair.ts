import type { DatabaseGroup } from '../config/database-groups.js';
import { describeTarget } from '../config/database-url.js';
import type { DatabaseTarget } from '../config/types.js';
import { HistoryError, type HistoryWriter } from '../db/session.js';
import { UsageError } from '../errors.js';
import { withLockedSession } from '../execute/locked-session.js';
import { historyWriteError } from '../execute/history-errors.js';
import type { EventSink } from '../execute/types.js';
import { planRepair, type RepairChange, type RepairPlan } from '../plan/plan-repair.js';
import { loadProject, type LoadProjectOptions, type Project } from '../project/load-project.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { OperationPlacement } from './options.js';

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
  return repairProject(await loadProject(options), options);
}

/** The same, for a project already loaded (a fleet repairs each target with one project), optionally elsewhere. */
export async function repairProject(
  project: Project,
  options: RepairOptions = {},
  where?: OperationPlacement,
): Promise<RepairReport> {
  checkRepairModules(project, options.modules);
  const wanted = new Set(options.modules ?? []);
  const modules = project.modules.filter((m) => wanted.size === 0 || wanted.has(m.name));
  const placement = where?.placement ?? project.config;
  const database = placement.database;
  const lockOptions = {
    lockTimeoutMs: project.config.lockTimeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(where?.open ? { open: where.open } : {}),
  };
  return withLockedSession(
    placement,
    modules.map((m) => m.name),
    lockOptions,
    async ({ sessions, histories, lockWaitedMs }) => {
      const plan = planRepair(modules, histories, { retry: options.retry === true });
      const report = {
        project,
        database,
        databases: sessions.groups,
        modules: modules.map((m) => m.name),
        plan,
        lockWaitedMs,
      };
      if (plan.changes.length === 0 && plan.upgrades.length === 0) return report;
      // One transaction per database (none spans two), in lock order.
      const written: DatabaseGroup[] = [];
      for (const [i, group] of sessions.groups.entries()) {
        const here = new Set(group.modules);
        const upgrades = plan.upgrades.filter((u) => here.has(u.module));
        const changes = plan.changes.filter((c) => here.has(c.module));
        if (upgrades.length === 0 && changes.length === 0) continue;
        const session = sessions.sessions[i]!;
        try {
          await session.writeHistory(async (writer) => {
            for (const upgrade of upgrades) await writer.upgrade(histories.get(upgrade.module)!);
            for (const change of changes) {
              if (change.kind === 'dirty-retried') await writer.remove(change.table, change.id);
              else if (change.kind === 'dirty-cleared') await clearDirty(writer, change, plan);
              else await writer.repair(change.table, change.id, change.after!);
            }
          });
        } catch (error) {
          const upgradesStay = upgrades.length > 0 && !session.capabilities.transactionalDdl;
          throw writeFailed(error, [...upgrades, ...changes], group, written, upgradesStay);
        }
        written.push(group);
      }
      return report;
    },
  );
}

/** Unknown module names are a usage error (exit 2), before anything connects. */
export function checkRepairModules(project: Project, modules: readonly string[] = []): void {
  const names = [...project.byName.keys()];
  const unknown = modules.filter((m) => !project.byName.has(m));
  if (unknown.length > 0) throw new UsageError(unknown.map((m) => `Unknown module "${m}"${didYouMean(m, names)}.`));
}

/** A dirty row whose checksum is also re-recorded is cleared by repairRecord; otherwise only its state changes. */
async function clearDirty(writer: HistoryWriter, change: RepairChange, plan: RepairPlan): Promise<void> {
  const alsoChecksum = plan.changes.some((c) => c !== change && c.table === change.table && c.id === change.id);
  if (!alsoChecksum) await writer.markApplied(change.table, change.id);
}

/**
 * A history write failed in `group` (modkit's bookkeeping, exit 1): says what stayed — earlier databases'
 * repairs, and on an engine whose DDL commits at once the history-table upgrades — and that a rerun redoes the rest.
 */
function writeFailed(
  error: unknown,
  writes: readonly { readonly module: string; readonly table: string }[],
  group: DatabaseGroup,
  written: readonly DatabaseGroup[],
  upgradesStay: boolean,
): unknown {
  const failed = error instanceof HistoryError ? writes.find((w) => w.table === error.table)?.module : undefined;
  const where = describeTarget(group.target);
  const rolledBack = upgradesStay
    ? `The history-table upgrades in ${where} stay (this engine's ALTER TABLE commits at once); its row changes were rolled back.`
    : `Nothing was changed in ${where}: its changes are written in one transaction, which was rolled back.`;
  const kept =
    written.length > 0
      ? ` What was repaired before in ${written.map((g) => describeTarget(g.target)).join(', ')} stays.`
      : '';
  const aftermath = `${rolledBack}${kept} Run repair again once the cause is fixed: it does only what is still to do.`;
  return historyWriteError(
    error,
    `repair of module ${failed ?? [...new Set(writes.map((w) => w.module))].join(', ')}`,
    aftermath,
    group.target.url,
    {
      ...(failed ? { module: failed } : {}),
    },
  );
}
