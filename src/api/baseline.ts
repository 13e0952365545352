import type { DatabaseGroup } from '../config/database-groups.js';
import { databaseOf } from '../config/module-databases.js';
import type { DatabaseTarget } from '../config/types.js';
import { HistoryError, type HistoryWriter } from '../db/session.js';
import { ModkitError, UsageError } from '../errors.js';
import { describeTarget } from '../config/database-url.js';
import { withLockedSession } from '../execute/locked-session.js';
import { historyWriteError } from '../execute/history-errors.js';
import type { EventSink } from '../execute/types.js';
import type { LoadedModule } from '../modules/types.js';
import { checkBaselineTarget, planBaseline, planBaselineAll, type BaselinePlan } from '../plan/plan-baseline.js';
import { emptyHistory } from '../plan/plan-migrations.js';
import { unknownStopAt, type StopAt } from '../plan/stop-at.js';
import type { ModuleHistory } from '../plan/types.js';
import { loadProject, selectModules, type LoadProjectOptions, type Project } from '../project/load-project.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { OperationPlacement, ProjectOptions } from './options.js';

export interface BaselineOptions extends LoadProjectOptions {
  readonly module: string;
  /** The newest migration to record; it and every earlier one of the module are recorded. */
  readonly to: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

export interface BaselineReport {
  readonly project: Project;
  /** The database of the module (its own, or the default one): where the rows were recorded. */
  readonly database: DatabaseTarget;
  /** That database as a group of one module. */
  readonly databases: readonly DatabaseGroup[];
  readonly plan: BaselinePlan;
  readonly lockWaitedMs: number;
}

/** `baseline --all`: which modules (`modules`: these and what they depend on; default all) and how far. */
export interface BaselineAllOptions extends ProjectOptions {
  /** Per module, the newest migration to record; every other module is recorded up to its latest. */
  readonly to?: StopAt;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

export interface BaselineAllReport {
  readonly project: Project;
  /** The default database. */
  readonly database: DatabaseTarget;
  /** The databases written, in lock order, each with its modules. */
  readonly databases: readonly DatabaseGroup[];
  /** The selected modules, in system-first order (those without migrations have no plan). */
  readonly modules: readonly string[];
  /** One per selected module that has migrations, in system-first order. */
  readonly plans: readonly BaselinePlan[];
  readonly lockWaitedMs: number;
}

/**
 * `modkit baseline <module> --to ID`: for adopting an existing database, records the module's
 * migrations up to ID as applied, with their checksums, without running them. Under the
 * migration lock, in one transaction. Refuses (exit 4, recording nothing) when any of them is
 * already recorded with another checksum or is dirty; identical rows are skipped.
 *
 * @example
 * ```ts
 * import { baseline } from 'modkit';
 * const { plan } = await baseline({ module: 'billing', to: '0003_invoices' });
 * console.log(`recorded ${plan.record.length}, already there ${plan.skip.length}`);
 * ```
 */
export async function baseline(options: BaselineOptions): Promise<BaselineReport> {
  return baselineProject(await loadProject(options), options);
}

/** The same, for a project already loaded (a fleet records each target with one project), optionally elsewhere. */
export async function baselineProject(
  project: Project,
  options: BaselineOptions,
  where?: OperationPlacement,
): Promise<BaselineReport> {
  const module = project.byName.get(options.module);
  if (!module)
    throw new UsageError(
      `Unknown module "${options.module}"${didYouMean(options.module, [...project.byName.keys()])}.`,
    );
  checkBaselineTarget(module, options.to); // before anything connects
  const recorded = await recordBaselines(
    project,
    [module],
    (histories) => [planBaseline(module, historyOf(histories, module.name), options.to)],
    options,
    where,
  );
  return {
    project,
    database: databaseOf(where?.placement ?? project.config, module.name),
    databases: recorded.databases,
    plan: recorded.plans[0]!,
    lockWaitedMs: recorded.lockWaitedMs,
  };
}

/**
 * `modkit baseline --all`: adopts an existing database in one command: every selected module is
 * recorded at its latest migration (or at its `to` entry) without running anything, under one lock
 * per database and in one transaction per database. Every refusal is listed at once: unknown
 * modules or ids (exit 2, before anything connects), rows recorded differently (exit 4, nothing recorded).
 *
 * @example
 * ```ts
 * import { baselineAll } from 'modkit';
 * const { plans } = await baselineAll({ to: { core: '0003_settings' } });
 * for (const p of plans) console.log(p.module, p.to, p.record.length);
 * ```
 */
export async function baselineAll(options: BaselineAllOptions = {}): Promise<BaselineAllReport> {
  return baselineAllProject(await loadProject(options), options);
}

/** The same, for a project already loaded (a fleet records each target with one project), optionally elsewhere. */
export async function baselineAllProject(
  project: Project,
  options: BaselineAllOptions = {},
  where?: OperationPlacement,
): Promise<BaselineAllReport> {
  const modules = selectModules(project, options.modules);
  const to = options.to ?? {};
  const unknown = unknownStopAt(modules, to, project.order.systemFirst);
  if (unknown.length > 0) throw new UsageError(unknown);
  const recorded = await recordBaselines(
    project,
    modules,
    (histories) => planBaselineAll(modules, histories, to),
    options,
    where,
  );
  return {
    project,
    database: (where?.placement ?? project.config).database,
    modules: modules.map((m) => m.name),
    ...recorded,
  };
}

type LockOptions = { readonly signal?: AbortSignal; readonly onEvent?: EventSink };

/**
 * Under the locks of the modules' databases: plan against the histories read there, refuse every
 * conflict at once, then write each database's rows in one transaction. Where DDL is not
 * transactional (MariaDB/MySQL commit before each CREATE), the history tables are created first
 * and the rows then written in a transaction of their own, so the rows are still all or nothing.
 */
async function recordBaselines(
  project: Project,
  modules: readonly LoadedModule[],
  plan: (histories: ReadonlyMap<string, ModuleHistory>) => BaselinePlan[],
  options: LockOptions,
  where: OperationPlacement | undefined,
): Promise<{ databases: readonly DatabaseGroup[]; plans: readonly BaselinePlan[]; lockWaitedMs: number }> {
  const lockOptions = {
    lockTimeoutMs: project.config.lockTimeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(where?.open ? { open: where.open } : {}),
  };
  return withLockedSession(
    where?.placement ?? project.config,
    modules.map((m) => m.name),
    lockOptions,
    async ({ sessions, histories, lockWaitedMs }) => {
      const plans = plan(histories);
      if (plans.some((p) => p.conflicts.length > 0)) throw conflictError(plans);
      const written: DatabaseGroup[] = [];
      for (const [i, group] of sessions.groups.entries()) {
        const here = plans.filter((p) => p.record.length > 0 && group.modules.includes(p.module));
        if (here.length === 0) continue;
        const session = sessions.sessions[i]!;
        const setUp = async (writer: HistoryWriter) => {
          for (const p of here) {
            const history = historyOf(histories, p.module);
            if (!history.exists) await writer.create(p.table);
            else await writer.upgrade(history);
          }
        };
        const insert = async (writer: HistoryWriter) => {
          for (const p of here)
            for (const migration of p.record) await writer.insert(p.table, migration.id, migration.checksum);
        };
        // All or nothing: a half-recorded baseline would look like a partly applied module.
        try {
          if (session.capabilities.transactionalDdl) {
            await session.writeHistory(async (writer) => {
              await setUp(writer);
              await insert(writer);
            });
          } else {
            await session.writeHistory(setUp);
            await session.writeHistory(insert);
          }
        } catch (error) {
          throw writeFailed(error, here, group, written);
        }
        written.push(group);
      }
      return { databases: sessions.groups, plans, lockWaitedMs };
    },
  );
}

/** A history write failed in `group`: nothing of it was recorded; what earlier databases recorded stays. */
function writeFailed(
  error: unknown,
  plans: readonly BaselinePlan[],
  group: DatabaseGroup,
  written: readonly DatabaseGroup[],
): unknown {
  const failed = error instanceof HistoryError ? plans.find((p) => p.table === error.table) : undefined;
  const where = describeTarget(group.target);
  const kept =
    written.length > 0
      ? ` What was recorded before in ${written.map((g) => describeTarget(g.target)).join(', ')} stays, and is skipped next time.`
      : '';
  const aftermath =
    `No row was recorded in ${where}: its rows are written in one transaction, which was rolled back.${kept} ` +
    'Run baseline again once the cause is fixed.';
  return historyWriteError(
    error,
    `baseline of module ${failed?.module ?? plans.map((p) => p.module).join(', ')}`,
    aftermath,
    group.target.url,
    {
      ...(failed ? { module: failed.module } : {}),
    },
  );
}

function historyOf(histories: ReadonlyMap<string, ModuleHistory>, module: string): ModuleHistory {
  return histories.get(module) ?? emptyHistory(module);
}

/** Exit 4: every migration recorded differently, in every module, and the one command that re-records them. */
function conflictError(plans: readonly BaselinePlan[]): ModkitError {
  const conflicted = plans.filter((p) => p.conflicts.length > 0);
  const count = conflicted.reduce((n, p) => n + p.conflicts.length, 0);
  const only = conflicted.length === 1 && plans.length === 1 ? conflicted[0] : undefined;
  const head = only ? `refusing to baseline module "${only.module}" to ${only.to}` : 'refusing to baseline';
  const lines = conflicted.flatMap((p) =>
    p.conflicts.map((c) => {
      const recorded = c.recorded.length === 64 ? `checksum ${c.recorded.slice(0, 12)}…` : c.recorded;
      return `- ${only ? '' : `${p.module} `}${c.id}${c.file ? ` (${c.file})` : ''}: recorded ${recorded}, file ${c.onDisk.slice(0, 12)}…`;
    }),
  );
  const repair = `modkit repair ${conflicted.map((p) => `--module ${p.module}`).join(' ')}`;
  return new ModkitError(
    'validation',
    `${head}: ${count === 1 ? 'a migration is' : `${count} migrations are`} already recorded differently, so nothing was recorded:\n` +
      `${lines.join('\n')}\nIf the files are right and the database matches them, run \`${repair}\` to re-record the checksums.`,
    {
      details: only
        ? { module: only.module, conflicts: only.conflicts }
        : { conflicts: conflicted.map((p) => ({ module: p.module, conflicts: p.conflicts })) },
    },
  );
}
