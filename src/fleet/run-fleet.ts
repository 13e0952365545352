import type { Session } from '../db/session.js';
import { EXIT_CODES, exitCodeOf, ModkitError, mostSevereExitCode } from '../errors.js';
import { stopwatch } from '../util/stopwatch.js';
import type { ModuleHistory } from '../plan/types.js';
import { FleetPools } from './fleet-pools.js';
import type { FleetTarget } from './resolve-targets.js';
import { shardOf, type Shard } from './shard.js';

/**
 * How many targets run at once by default. Measured (README, "Performance", fleet rows): on the
 * 2-core bench machine apply, no-op and status over 1,000 schemas gain little or nothing past 4
 * (the server's CPUs are the limit), and each running target holds two connections.
 */
export const DEFAULT_FLEET_PARALLEL = 4;

export interface FleetOptions {
  /** How many targets run at once (default {@link DEFAULT_FLEET_PARALLEL}). */
  readonly parallel?: number;
  /** Stop starting targets after the first failure (default: go on and report every target). */
  readonly failFast?: boolean;
  /** Run the first K targets first; when any of them fails, start no other. */
  readonly canary?: number;
  /** Only the targets of this shard (by hash of each target's key). */
  readonly shard?: Shard;
  /** Stops starting targets; the running ones are cancelled and rolled back by their own run. */
  readonly signal?: AbortSignal;
  /** Keep every target's outcome in the returned report (default true); a CLI streaming them passes false. */
  readonly collect?: boolean;
}

/** Why a target was not attempted. */
export type SkipReason = 'fail-fast' | 'canary' | 'interrupted';

/** What happened on one target: one per target, streamed as each finishes (`onTarget`). */
export interface TargetOutcome<D> {
  /** The redacted URL, and ` schema=NAME` for a schema target. */
  readonly label: string;
  readonly origin: string;
  readonly schema?: string;
  /** Its place in this run's list (after `--shard`), from 0. */
  readonly index: number;
  readonly canary: boolean;
  readonly result: 'ok' | 'failed' | 'skipped';
  /** Its own exit code; null when it was skipped. */
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** What the operation reports for this target (absent when it failed before reporting, or was skipped). */
  readonly detail?: D;
  readonly error?: ModkitError;
  readonly skipped?: SkipReason;
}

export interface FleetSummary {
  /** Targets listed, before `--shard`. */
  readonly listed: number;
  /** Targets in this run (this shard's). */
  readonly targets: number;
  readonly shard?: Shard;
  readonly parallel: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  /** Why targets were skipped, when some were. */
  readonly stoppedBy?: SkipReason;
  /** 0 when every target succeeded, else the most severe code (errors.ts, EXIT_SEVERITY). */
  readonly exitCode: number;
  /** Each failing exit code and how many targets had it. */
  readonly exitCodes: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

export interface FleetReport<D> {
  readonly summary: FleetSummary;
  /** Every target's outcome, in finishing order (empty when `collect: false`). */
  readonly results: readonly TargetOutcome<D>[];
}

/** How a target's operation opens sessions: lent by the fleet's per-database pools. */
export interface FleetSessions {
  open(target: FleetTarget['target']): Promise<Session>;
  openReadOnly(target: FleetTarget['target']): Promise<Session | undefined>;
  /**
   * The target's histories (`tables`: module → history table, the same map for every target),
   * read together with its database's other targets, without a lock: a few statements per thousand
   * tables instead of a session per target. Undefined where the target must read them on its own
   * session (an engine or target the batch cannot answer for).
   */
  readHistories(tables: ReadonlyMap<string, string>): Promise<Map<string, ModuleHistory> | undefined>;
}

/** One target's work: its detail, and the error that failed it (a thrown ModkitError fails it too). */
export type TargetWork<D> = (
  target: FleetTarget,
  sessions: FleetSessions,
  signal: AbortSignal | undefined,
) => Promise<{ readonly detail: D; readonly error?: ModkitError }>;

/**
 * Runs `work` on every target of the fleet (this shard's), `parallel` at a time, each target on
 * its own (its own lock, history and outcome): a failing or unreachable target is reported and the
 * others go on, unless `failFast`; the first `canary` targets run before all others, which start
 * only when every canary succeeded. Targets of one database share a small pool of connections
 * (src/db/<engine>: a schema per tenant costs no connect), closed when its last target ends.
 * Outcomes are streamed to `onTarget` as targets finish; nothing per target is kept unless `collect`.
 */
export async function runFleet<D>(
  all: readonly FleetTarget[],
  work: TargetWork<D>,
  options: FleetOptions & { readonly onTarget?: (outcome: TargetOutcome<D>) => void },
): Promise<FleetReport<D>> {
  const elapsed = stopwatch();
  const parallel = Math.max(1, options.parallel ?? DEFAULT_FLEET_PARALLEL);
  const targets = options.shard
    ? all.filter((t) => shardOf(t.key, options.shard!.count) === options.shard!.index)
    : all;
  const canaries = Math.min(options.canary ?? 0, targets.length);
  const pools = new FleetPools(targets, parallel);
  const results: TargetOutcome<D>[] = [];
  const counts = { ok: 0, failed: 0, skipped: 0 };
  const exitCodes = new Map<number, number>();
  let stoppedBy: SkipReason | undefined;
  let canaryFailed = false;

  const report = (outcome: TargetOutcome<D>) => {
    counts[outcome.result] += 1;
    if (outcome.exitCode !== null && outcome.exitCode !== EXIT_CODES.ok)
      exitCodes.set(outcome.exitCode, (exitCodes.get(outcome.exitCode) ?? 0) + 1);
    if (options.collect !== false) results.push(outcome);
    options.onTarget?.(outcome);
  };

  const runOne = async (index: number) => {
    const fleetTarget = targets[index]!;
    const base = {
      label: fleetTarget.label,
      origin: fleetTarget.origin,
      ...(fleetTarget.target.schema ? { schema: fleetTarget.target.schema } : {}),
      index,
      canary: index < canaries,
    };
    const took = stopwatch();
    let outcome: TargetOutcome<D>;
    try {
      const { detail, error } = await work(fleetTarget, pools.sessions(fleetTarget), options.signal);
      outcome = error
        ? { ...base, result: 'failed', exitCode: error.exitCode, durationMs: took(), detail, error }
        : { ...base, result: 'ok', exitCode: EXIT_CODES.ok, durationMs: took(), detail };
    } catch (error) {
      const failure =
        error instanceof ModkitError
          ? error
          : new ModkitError('migration-failed', `internal error: ${(error as Error)?.message ?? String(error)}`, {
              cause: error,
            });
      outcome = { ...base, result: 'failed', exitCode: exitCodeOf(failure), durationMs: took(), error: failure };
    }
    await pools.done(fleetTarget);
    if (outcome.result === 'failed') {
      if (outcome.canary) canaryFailed = true;
      if (outcome.exitCode === EXIT_CODES.interrupted) stoppedBy ??= 'interrupted';
      else if (options.failFast) stoppedBy ??= 'fail-fast';
    }
    report(outcome);
  };

  let next = 0;
  const runUpTo = async (end: number) => {
    const worker = async () => {
      while (next < end && stoppedBy === undefined) {
        if (options.signal?.aborted) {
          stoppedBy = 'interrupted';
          break;
        }
        await runOne(next++);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, end - next) }, worker));
  };

  try {
    await runUpTo(canaries);
    if (canaryFailed) stoppedBy ??= 'canary';
    await runUpTo(targets.length);
    for (; next < targets.length; next += 1) {
      const t = targets[next]!;
      report({
        label: t.label,
        origin: t.origin,
        ...(t.target.schema ? { schema: t.target.schema } : {}),
        index: next,
        canary: next < canaries,
        result: 'skipped',
        exitCode: null,
        durationMs: 0,
        skipped: stoppedBy ?? 'interrupted',
      });
    }
  } finally {
    await pools.endAll();
  }
  const codes = [...exitCodes.keys(), ...(stoppedBy === 'interrupted' ? [EXIT_CODES.interrupted] : [])];
  const summary: FleetSummary = {
    listed: all.length,
    targets: targets.length,
    ...(options.shard ? { shard: options.shard } : {}),
    parallel,
    ...counts,
    ...(stoppedBy && counts.skipped > 0 ? { stoppedBy } : {}),
    exitCode: mostSevereExitCode(codes),
    exitCodes: Object.fromEntries([...exitCodes].sort(([a], [b]) => a - b).map(([code, n]) => [String(code), n])),
    durationMs: elapsed(),
  };
  return { summary, results };
}
