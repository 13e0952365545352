import { compareIds } from '../modules/migration-files.js';
import type { LoadedModule } from '../modules/types.js';
import type { RollbackBlocker, RollbackPlan, RollbackStep } from './plan-rollback.js';
import type { AppliedRecord, ModuleHistory } from './types.js';

/** What `modkit rollback --last-run` undoes: everything the most recent `migrate` run applied. */
export interface LastRunPlan extends RollbackPlan {
  /** The run's id (`run_id` in the history tables); undefined when no run recorded one. */
  readonly runId?: string;
}

/**
 * Plans the undo of the most recent migrate run, across modules: every history row carrying its
 * run id (run ids sort by time), dependents first (`stopOrder`: the reverse topological order),
 * newest first within a module. A module that depends on one of them and has rows applied after
 * the run started that are not the run's own (the Rust runtime's, a baseline) blocks it: undoing
 * under them could break them. Pure.
 *
 * @example
 * const plan = planLastRun(project.order.stop, project.byName, histories);
 * console.log(plan.runId, plan.steps.map((s) => `${s.module}/${s.id}`));
 */
export function planLastRun(
  stopOrder: readonly string[],
  modules: ReadonlyMap<string, LoadedModule>,
  histories: ReadonlyMap<string, ModuleHistory>,
  dependentsOf: (module: string) => readonly string[],
): LastRunPlan {
  let runId: string | undefined;
  for (const history of histories.values()) {
    for (const r of history.records) if (r.runId !== null && (runId === undefined || r.runId > runId)) runId = r.runId;
  }
  if (runId === undefined) return { module: '', applied: 0, steps: [], blockers: [], dirty: [] };
  const inRun = (r: AppliedRecord) => r.runId === runId;
  const steps: RollbackStep[] = [];
  const dirty: { module: string; id: string }[] = [];
  for (const module of stopOrder) {
    const history = histories.get(module);
    if (!history) continue;
    const own = history.records.filter(inRun).sort((a, b) => compareIds(b.version, a.version));
    for (const r of own) {
      const migration = modules.get(module)?.migrations.find((m) => m.id === r.version);
      steps.push({
        module,
        id: r.version,
        table: history.table,
        reason: 'target',
        ...(migration ? { migration } : {}),
      });
      if (r.state === 'started') dirty.push({ module, id: r.version });
    }
  }
  const started = Math.min(
    ...steps.map(
      (s) =>
        histories
          .get(s.module)!
          .records.find((r) => r.version === s.id)!
          .appliedAt?.getTime() ?? Infinity,
    ),
  );
  const blockers: RollbackBlocker[] = [];
  for (const module of new Set(steps.map((s) => s.module))) {
    for (const dependent of dependentsOf(module)) {
      const later = (histories.get(dependent)?.records ?? []).filter(
        (r) => !inRun(r) && (r.appliedAt?.getTime() ?? 0) >= started,
      );
      if (later.length > 0 && !blockers.some((b) => b.module === dependent))
        blockers.push({ module: dependent, applied: later.map((r) => r.version) });
    }
  }
  return { module: '', applied: steps.length, runId, steps, blockers, dirty };
}
