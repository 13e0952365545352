import type { DatabasePlacement } from '../config/module-databases.js';
import { historyTableNameSync } from '../db/history-table-name.js';
import { runDbPhase } from '../execute/db-phase.js';
import { nothingToDo } from '../execute/nothing-to-do.js';
import { planMigrations } from '../plan/plan-migrations.js';
import type { MigrationResult } from '../execute/types.js';
import { runPreInit } from '../lifecycle/pre-init.js';
import { resolveInstanceId } from '../lifecycle/instance-id.js';
import type { RunOptions } from '../lifecycle/types.js';
import { checkStopAt } from '../plan/stop-at.js';
import type { Problem } from '../plan/types.js';
import { selectModules, type Project } from '../project/load-project.js';
import type { LintCache } from '../lint/lint-migrations.js';
import { cachedBodyLoader } from '../modules/body-cache.js';
import type { FleetTarget } from './resolve-targets.js';
import { runFleet, type FleetOptions, type FleetReport, type TargetOutcome } from './run-fleet.js';

/** What `migrate` did on one target. */
export interface FleetMigrateDetail {
  /** Migrations applied (and, on failure, the one that failed). */
  readonly migrations: readonly MigrationResult[];
  readonly applied: number;
  readonly lockWaitedMs: number;
  readonly problems: readonly Problem[];
}

export interface MigrateFleetOptions extends FleetOptions, Omit<RunOptions, 'signal'> {
  /** Each target's outcome as it finishes (stream these: a fleet may be thousands of targets). */
  readonly onTarget?: (outcome: TargetOutcome<FleetMigrateDetail>) => void;
}

/**
 * `migrate --only` over a fleet: the project (config, modules, graph, checksums) is loaded once by
 * the caller; pre_init runs once; then each target runs the one db phase of a single database
 * (src/execute/db-phase.ts: its lock, its histories, its plan, one transaction per migration),
 * `parallel` at a time. Each target lints its pending PostgreSQL files first, as a single-database
 * migrate does; a file is parsed once for the whole fleet. A rerun touches only the targets that are
 * behind: the histories of a database's schemas are first read together without a lock (a thousand
 * tables per round trip), and a target with nothing to do ({@link nothingToDo}) ends there; any other
 * takes its lock and reads its history again under it before anything runs.
 *
 * @example
 * ```ts
 * import { loadProject, loadFleetTargets, migrateFleet } from 'modkit';
 * const project = await loadProject({ configPath: 'modkit.config.ts' });
 * const targets = await loadFleetTargets(project.config, { file: 'tenants.txt' });
 * const { summary } = await migrateFleet(project, targets!, {
 *   parallel: 4,
 *   onTarget: (t) => console.log(t.label, t.result, t.detail?.applied ?? 0),
 * });
 * process.exitCode = summary.exitCode;
 * ```
 */
export async function migrateFleet(
  project: Project,
  targets: readonly FleetTarget[],
  options: MigrateFleetOptions = {},
): Promise<FleetReport<FleetMigrateDetail>> {
  const modules = selectModules(project, options.modules);
  if (options.to) checkStopAt(modules, options.to, project.order.systemFirst); // once, before pre_init and any target
  const signal = options.signal ? { signal: options.signal } : {};
  await runPreInit(project, modules, { instanceId: resolveInstanceId(undefined), ...signal });
  const loadBody = cachedBodyLoader();
  const lintCache: LintCache = new Map();
  const tables = new Map(modules.map((m) => [m.name, historyTableNameSync(m.name)]));
  return runFleet<FleetMigrateDetail>(
    targets,
    async ({ target }, sessions, signal) => {
      const unlocked = await sessions.readHistories(tables);
      if (unlocked && nothingToDo(planMigrations(modules, unlocked, options.allow, options.to))) {
        return { detail: { migrations: [], applied: 0, lockWaitedMs: 0, problems: [] } };
      }
      const placement: DatabasePlacement = { database: target, moduleDatabases: {} };
      const result = await runDbPhase(placement, modules, {
        lockTimeoutMs: project.config.lockTimeoutMs,
        dbTimeouts: project.config.dbTimeouts,
        open: sessions.open,
        unlockedLookFirst: false, // looked just now
        loadBody,
        ...(options.lint === false ? {} : { lint: project.config.lint, lintCache }),
        ...(options.allow ? { allow: options.allow } : {}),
        ...(options.to ? { to: options.to } : {}),
        ...(options.txMode ? { txMode: options.txMode } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(signal ? { signal } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      const detail: FleetMigrateDetail = {
        migrations: result.results,
        applied: result.results.filter((r) => r.status === 'applied').length,
        lockWaitedMs: result.lockWaitedMs,
        problems: result.plan?.problems ?? [],
      };
      return { detail, ...(result.error ? { error: result.error } : {}) };
    },
    options,
  );
}
