import { newRunId } from '../util/run-id.js';
import { stopwatch } from '../util/stopwatch.js';
import type { DatabaseGroup } from '../config/database-groups.js';
import type { DatabasePlacement } from '../config/module-databases.js';
import { ModkitError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import { planMigrations } from '../plan/plan-migrations.js';
import type { StopAt } from '../plan/stop-at.js';
import type { AllowOptions, MigrationPlan, ModuleHistory, Problem } from '../plan/types.js';
import { nothingToDo } from './nothing-to-do.js';
import type { ApplyOptions } from './apply-plan.js';
import { applyInOrderOrConcurrently } from './choose-executor.js';
import { preflight } from './preflight.js';
import { cachedBodyLoader } from '../modules/body-cache.js';
import { awaitScriptWork, followingScriptWork } from './script-work.js';
import { lintPending } from './lint-pending.js';
import { pendingSteps, refuseTransactionControl } from './refuse-transaction-control.js';
import type { LintSettings } from '../config/types.js';
import type { LintCache } from '../lint/lint-migrations.js';
import { withLockedSession, type LockedSessionOptions } from './locked-session.js';
import type { ApplyResult, MigrationResult } from './types.js';
import type { Session } from '../db/session.js';
import { unconfirmedCommitError } from './migration-error.js';
import { upgradeHistories } from './upgrade-histories.js';

export interface DbPhaseOptions extends ApplyOptions {
  readonly allow?: AllowOptions;
  /** `--to`: stop these modules after these migrations. */
  readonly to?: StopAt;
  readonly lockTimeoutMs: number;
  /** `--concurrency N`: independent modules migrate at once (PostgreSQL); 1 keeps the exact order. */
  readonly concurrency?: number;
  /** The lint of pending migrations before anything runs; undefined: none (`--no-lint`). */
  readonly lint?: LintSettings;
  /** Files already parsed for the lint in this process (a fleet parses each pending file once). */
  readonly lintCache?: LintCache;
  /** How sessions are opened (a fleet lends pooled connections); default: new connections. */
  readonly open?: LockedSessionOptions['open'];
  /**
   * false: take the locks before reading any history. Default: read first without them, and end
   * there when nothing is to do (a fleet passes false: it has just read the target's histories).
   */
  readonly unlockedLookFirst?: boolean;
}

export interface DbPhaseResult extends ApplyResult {
  readonly plan?: MigrationPlan;
  readonly lockWaitedMs: number;
  /** Recorded in the `run_id` of every history row this run wrote (`rollback --last-run`). */
  readonly runId: string;
  /** The databases migrated, in lock order, each with its modules. */
  readonly databases: readonly DatabaseGroup[];
}

/**
 * The db phase (SPEC §5.2): under the lock of every database the modules live in (their own, or
 * the default one), read every history, verify all of them, and apply what is pending in the one
 * system-first order, switching databases between modules. Histories that need nothing (nothing
 * pending, no problem, no table to upgrade) as first read without the locks end the phase there,
 * with no lock taken (as a fleet's up-to-date targets do). Nothing runs while any database has a
 * refusal (drift, dirty, ...). Runners that waited for the locks re-read history after taking
 * them, so each migration runs exactly once. The privileged connections are closed when the
 * phase ends. A signal cancels the statements in flight; the executor then stops before the next
 * migration.
 */
export async function runDbPhase(
  placement: DatabasePlacement,
  modules: readonly LoadedModule[],
  options: DbPhaseOptions,
): Promise<DbPhaseResult> {
  const elapsed = stopwatch();
  const names = modules.map((m) => m.name);
  const runId = newRunId();
  // Each pending file read once, by the first check that needs it; the steps run that same text.
  const loadBody = options.loadBody ?? cachedBodyLoader();
  // The plan of the histories last read: a look without the locks that finds nothing to do hands
  // the work below the same histories, planned once.
  let planned: { histories: ReadonlyMap<string, ModuleHistory>; plan: MigrationPlan } | undefined;
  const planOf = (histories: ReadonlyMap<string, ModuleHistory>) => {
    if (planned?.histories !== histories)
      planned = { histories, plan: planMigrations(modules, histories, options.allow, options.to) };
    return planned.plan;
  };
  // Nothing pending, no problem, no table to upgrade: the work below changes nothing, and needs no lock.
  const withoutLocksIf = (histories: ReadonlyMap<string, ModuleHistory>) => nothingToDo(planOf(histories));
  const lockedOptions = options.unlockedLookFirst === false ? options : { ...options, withoutLocksIf };
  return followingScriptWork(() =>
    withLockedSession(placement, names, lockedOptions, async ({ sessions, histories, lockWaitedMs }) => {
      const plan = planOf(histories);
      if (plan.blocking.length > 0) throw validationError(plan.blocking);
      // Before the lint, which would report the same finding with advice (ignore, --no-lint) that cannot help here.
      await refuseTransactionControl(pendingSteps(placement, plan), loadBody);
      if (options.lint) {
        await lintPending(placement, plan, options.lint, {
          sessions,
          loadBody,
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
          ...(options.lintCache ? { cache: options.lintCache } : {}),
        });
      }
      // Tables of another runtime or an older modkit are brought up to date now, even with nothing pending.
      await upgradeHistories(sessions, histories.values(), options.onEvent);
      await preflight(plan, options.txMode ?? 'per-migration', loadBody);
      let result = await applyInOrderOrConcurrently(sessions, plan, runId, { ...options, loadBody });
      const warn = (message: string) => options.onEvent?.({ type: 'warning', message });
      if (!options.signal?.aborted) await awaitScriptWork(warn, options.signal);
      // Stopped for a reason of its own (a late error of a migration's code): the run did not succeed.
      const reason: unknown = options.signal?.reason;
      const stopped = options.signal?.aborted && reason instanceof ModkitError;
      if (!result.error && stopped) result = { ...result, error: reason };
      // "Applied" is final once every commit is durable: a failed flush names what is in doubt.
      const unconfirmed = await flushAll(sessions.sessions);
      if (unconfirmed) result = { ...result, error: result.error ? alongside(result.error, unconfirmed) : unconfirmed };
      result = markUnconfirmed(result);
      return { ...result, plan, lockWaitedMs, runId, durationMs: elapsed(), databases: sessions.groups };
    }),
  );
}

/** Exit 4: every offender listed, with the flag that would accept it. */
export function validationError(problems: readonly Problem[]): ModkitError {
  const kinds = new Set(problems.map((p) => p.kind));
  const flags = (Object.keys(FLAG_OF) as Problem['kind'][])
    .filter((k) => kinds.has(k) && FLAG_OF[k])
    .map((k) => FLAG_OF[k]);
  const advice = flags.length > 0 ? ` Fix them, or accept them knowingly with ${flags.join(' / ')}.` : '';
  return new ModkitError(
    'validation',
    `refusing to migrate: ${problems.length} problem${problems.length === 1 ? '' : 's'} found before anything ran:\n` +
      problems.map((p) => `- [${p.kind}] ${p.message}`).join('\n') +
      `\n${advice.trim()}`,
    { details: { problems } },
  );
}

const FLAG_OF: Readonly<Record<Problem['kind'], string | undefined>> = {
  drift: '--allow-drift',
  missing: '--allow-missing',
  'out-of-order': '--allow-out-of-order',
  dirty: undefined,
};

/** Makes every session's commits durable; the first failure as the run's error. */
async function flushAll(sessions: readonly Session[]): Promise<ModkitError | undefined> {
  for (const session of sessions) {
    try {
      await session.flush();
    } catch (error) {
      const failure = unconfirmedCommitError(error, session.target.url);
      if (failure instanceof ModkitError) return failure;
      throw failure;
    }
  }
  return undefined;
}

/** The results of the migrations whose commit is in doubt say so (the error's list, or its parallel modules'). */
function markUnconfirmed(result: ApplyResult): ApplyResult {
  const details = result.error?.details ?? {};
  const nested = (details.errors as readonly Record<string, unknown>[] | undefined) ?? [];
  type Ref = { module: string; id: string };
  const listed = [details, ...nested].flatMap((d) => (d.unconfirmed as readonly Ref[] | undefined) ?? []);
  if (listed.length === 0) return result;
  const doubt = new Set(listed.map((m) => `${m.module}\u0000${m.id}`));
  const inDoubt = (r: MigrationResult) => r.status === 'applied' && doubt.has(`${r.module}\u0000${r.id}`);
  const results = result.results.map((r) => (inDoubt(r) ? { ...r, status: 'unconfirmed' as const } : r));
  return { ...result, results };
}

/** A run's failure and the failed flush after it, in one report. */
function alongside(first: ModkitError, then: ModkitError): ModkitError {
  const details = { ...first.details, unconfirmed: then.details.unconfirmed };
  return new ModkitError(first.kind, `${first.message}\nThen ${then.message}`, { cause: first, details });
}
