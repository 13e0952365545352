import { UsageError } from '../errors.js';
import { dependentsOf, type GraphNode } from '../graph/module-graph.js';
import { compareIds } from '../modules/migration-files.js';
import { emptyHistory } from './plan-migrations.js';
import type { LoadedModule, Migration } from '../modules/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { ModuleHistory } from './types.js';

/** How far `modkit rollback <module>` goes back. */
export type RollbackTarget = { readonly steps: number } | { readonly to: string };

export interface RollbackRequest {
  readonly module: string;
  /** Default: one step, the newest applied migration (knex's `migrate:down`). */
  readonly target?: RollbackTarget;
  /** Roll back every dependent that has applied migrations first, instead of refusing. */
  readonly cascade?: boolean;
}

/** One migration to undo. `migration` is absent when its file is gone: it then cannot be undone. */
export interface RollbackStep {
  readonly module: string;
  readonly id: string;
  readonly table: string;
  readonly migration?: Migration;
  /** `target`: asked for; `cascade`: a dependent rolled back first because of `--cascade`. */
  readonly reason: 'target' | 'cascade';
}

/** A dependent module that still has applied migrations (a refusal without `--cascade`). */
export interface RollbackBlocker {
  readonly module: string;
  readonly applied: readonly string[];
}

export interface RollbackPlan {
  readonly module: string;
  /** How many migrations of the module are applied (0: there is nothing to roll back). */
  readonly applied: number;
  /** In execution order: dependents (reverse topological, newest first), then the module, newest first. */
  readonly steps: readonly RollbackStep[];
  /** Dependents with applied migrations; the plan must not run while this is non-empty and cascade is off. */
  readonly blockers: readonly RollbackBlocker[];
  /** Modules whose history holds a started (dirty) row among those touched: repair first. */
  readonly dirty: readonly { readonly module: string; readonly id: string }[];
}

/**
 * Decides what `modkit rollback` undoes, in order, from the module graph and the recorded
 * histories. Pure, so every rule is unit-tested: newest first; `--to ID` keeps ID applied;
 * dependents (transitively) are rolled back completely first, in reverse topological order,
 * or reported as blockers without `--cascade`. Usage mistakes throw {@link UsageError}.
 *
 * @example
 * const plan = planRollback(project.nodes, project.byName, histories, { module: 'billing', target: { steps: 2 } });
 * if (plan.blockers.length > 0) console.log('dependents still applied', plan.blockers);
 */
export function planRollback(
  nodes: readonly GraphNode[],
  modules: ReadonlyMap<string, LoadedModule>,
  histories: ReadonlyMap<string, ModuleHistory>,
  request: RollbackRequest,
): RollbackPlan {
  const dependents = dependentsOf(nodes, request.module); // throws on an unknown module, with did-you-mean
  const history = historyOf(histories, request.module);
  const recorded = [...history.records].sort((a, b) => compareIds(b.version, a.version));
  const target = request.target ?? { steps: 1 };
  let chosen: typeof recorded;
  if (
    recorded.length === 0 &&
    ('steps' in target || modules.get(request.module)?.migrations.some((m) => m.id === target.to))
  ) {
    // Nothing applied: nothing to undo, whatever was asked (the caller says so, exit 0).
    chosen = [];
  } else if ('steps' in target) {
    if (!Number.isInteger(target.steps) || target.steps < 1)
      throw new UsageError(`--steps must be a positive whole number, got ${target.steps}`);
    if (target.steps > recorded.length) {
      throw new UsageError(
        `cannot roll back ${countOf(target.steps, 'migration')} of module "${request.module}": only ${recorded.length} ${recorded.length === 1 ? 'is' : 'are'} applied` +
          ` (${recorded
            .map((r) => r.version)
            .reverse()
            .join(', ')}). Use --steps ${recorded.length} or --to ID.`,
      );
    }
    chosen = recorded.slice(0, target.steps);
  } else {
    if (!recorded.some((r) => r.version === target.to)) {
      const ids = recorded.map((r) => r.version);
      throw new UsageError(
        `cannot roll back module "${request.module}" to ${target.to}: that migration is not applied${didYouMean(target.to, ids)}. ` +
          `Applied: ${ids.length > 0 ? ids.reverse().join(', ') : 'none'}. --to names the migration to keep.`,
      );
    }
    chosen = recorded.filter((r) => compareIds(r.version, target.to) > 0);
  }
  const stepOf = (module: string, table: string, version: string, reason: RollbackStep['reason']): RollbackStep => {
    const migration = modules.get(module)?.migrations.find((m) => m.id === version);
    return { module, id: version, table, reason, ...(migration ? { migration } : {}) };
  };
  const own = chosen.map((r) => stepOf(request.module, history.table, r.version, 'target'));
  if (own.length === 0) return { module: request.module, applied: recorded.length, steps: [], blockers: [], dirty: [] };

  const blockers: RollbackBlocker[] = [];
  const cascaded: RollbackStep[] = [];
  for (const dependent of dependents) {
    const h = historyOf(histories, dependent);
    if (h.records.length === 0) continue;
    const newestFirst = [...h.records].sort((a, b) => compareIds(b.version, a.version));
    blockers.push({ module: dependent, applied: newestFirst.map((r) => r.version).reverse() });
    cascaded.push(...newestFirst.map((r) => stepOf(dependent, h.table, r.version, 'cascade')));
  }
  const steps = request.cascade ? [...cascaded, ...own] : own;
  const touched = new Set(steps.map((s) => s.module));
  const dirty = [...touched].flatMap((m) =>
    historyOf(histories, m)
      .records.filter((r) => r.state === 'started')
      .map((r) => ({ module: m, id: r.version })),
  );
  return { module: request.module, applied: recorded.length, steps, blockers: request.cascade ? [] : blockers, dirty };
}

function countOf(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function historyOf(histories: ReadonlyMap<string, ModuleHistory>, module: string): ModuleHistory {
  return histories.get(module) ?? emptyHistory(module);
}
