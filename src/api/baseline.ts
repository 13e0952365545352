import type { DatabaseGroup } from '../config/database-groups.js';
import { databaseOf } from '../config/module-databases.js';
import type { DatabaseTarget } from '../config/types.js';
import { ModkitError, UsageError } from '../errors.js';
import { withLockedSession } from '../execute/locked-session.js';
import type { EventSink } from '../execute/types.js';
import { planBaseline, type BaselinePlan } from '../plan/plan-baseline.js';
import { loadProject, type LoadProjectOptions, type Project } from '../project/load-project.js';
import { didYouMean } from '../util/did-you-mean.js';

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
  const project = await loadProject(options);
  const module = project.byName.get(options.module);
  if (!module) throw new UsageError(`Unknown module "${options.module}"${didYouMean(options.module, [...project.byName.keys()])}.`);
  const database = databaseOf(project.config, module.name);
  const lockOptions = { lockTimeoutMs: project.config.lockTimeoutMs, ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) };
  return withLockedSession(project.config, [module.name], lockOptions, async ({ sessions, histories, lockWaitedMs }) => {
    const databases = sessions.groups;
    const history = histories.get(module.name)!;
    const plan = planBaseline(module, history, options.to);
    if (plan.conflicts.length > 0) {
      throw new ModkitError(
        'validation',
        `refusing to baseline module "${module.name}" to ${options.to}: ${plan.conflicts.length === 1 ? 'a migration is' : `${plan.conflicts.length} migrations are`} already recorded differently, so nothing was recorded:\n` +
          plan.conflicts.map((c) => `- ${c.id}${c.file ? ` (${c.file})` : ''}: recorded ${c.recorded.length === 64 ? `checksum ${c.recorded.slice(0, 12)}…` : c.recorded}, file ${c.onDisk.slice(0, 12)}…`).join('\n') +
          `\nIf the files are right and the database matches them, run \`modkit repair --module ${module.name}\` to re-record the checksums.`,
        { details: { module: module.name, conflicts: plan.conflicts } },
      );
    }
    if (plan.record.length === 0) return { project, database, databases, plan, lockWaitedMs };
    // All or nothing: a half-recorded baseline would look like a partly applied module.
    await sessions.of(module.name).writeHistory(async (writer) => {
      if (!history.exists) await writer.create(history.table);
      else await writer.upgrade(history);
      for (const migration of plan.record) await writer.insert(history.table, migration.id, migration.checksum);
    });
    return { project, database, databases, plan, lockWaitedMs };
  });
}
