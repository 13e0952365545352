import { openSessionPool } from '../db/load-engine.js';
import type { SessionPool } from '../db/session.js';
import { HistoryBatches } from './history-batches.js';
import type { FleetTarget } from './resolve-targets.js';
import type { FleetSessions } from './run-fleet.js';

/**
 * One session pool per database URL (read-only and writing apart), opened at a database's first
 * target and ended after its last: a fleet of a thousand databases (in list order) holds only the
 * pools of the databases whose targets are running, and a thousand schemas of one database share one.
 */
export class FleetPools {
  private readonly remaining = new Map<string, number>();
  private readonly pools = new Map<string, Promise<SessionPool>>();
  /** Each database's targets in run order, and each target's place among them. */
  private readonly ofDatabase = new Map<string, FleetTarget['target'][]>();
  private readonly positions = new Map<FleetTarget, number>();
  private readonly batches = new Map<string, Promise<HistoryBatches | undefined>>();

  constructor(
    targets: readonly FleetTarget[],
    /** Targets running at once: as many history batches are read at once, at most. */
    private readonly parallel: number,
  ) {
    for (const t of targets) {
      const key = poolKey(t);
      this.remaining.set(key, (this.remaining.get(key) ?? 0) + 1);
      const list = this.ofDatabase.get(key) ?? [];
      this.positions.set(t, list.length);
      list.push(t.target);
      this.ofDatabase.set(key, list);
    }
  }

  sessions(fleetTarget: FleetTarget): FleetSessions {
    return {
      open: async (target) => (await (await this.pool(fleetTarget, false)).open(target))!,
      openReadOnly: async (target) => (await this.pool(fleetTarget, true)).open(target),
      readHistories: async (tables) => {
        const batches = await this.historyBatches(fleetTarget, tables);
        return batches?.tables === tables ? batches.take(this.positions.get(fleetTarget)!) : undefined;
      },
    };
  }

  private pool(fleetTarget: FleetTarget, readOnly: boolean): Promise<SessionPool> {
    const id = `${readOnly ? 'r' : 'w'}\u0000${poolKey(fleetTarget)}`;
    let opening = this.pools.get(id);
    if (!opening) {
      opening = openSessionPool(fleetTarget.target.engine, { readOnly });
      this.pools.set(id, opening);
    }
    return opening;
  }

  /** The batched history reads of the target's database, when it has several targets and its engine can. */
  private historyBatches(
    fleetTarget: FleetTarget,
    tables: ReadonlyMap<string, string>,
  ): Promise<HistoryBatches | undefined> {
    const key = poolKey(fleetTarget);
    let batches = this.batches.get(key);
    if (!batches) {
      const targets = this.ofDatabase.get(key) ?? [];
      batches =
        targets.length < 2
          ? Promise.resolve(undefined)
          : this.pool(fleetTarget, true).then(
              (pool) =>
                pool.manyHistories
                  ? new HistoryBatches(targets, tables, pool.manyHistories, this.parallel - 1)
                  : undefined,
              () => undefined, // the target's own open reports it
            );
      this.batches.set(key, batches);
    }
    return batches;
  }

  /** A target of the database ended: after its last one, the database's pools close. */
  async done(fleetTarget: FleetTarget): Promise<void> {
    const key = poolKey(fleetTarget);
    const left = (this.remaining.get(key) ?? 1) - 1;
    if (left > 0) {
      this.remaining.set(key, left);
      return;
    }
    this.remaining.delete(key);
    this.batches.delete(key);
    for (const id of [`r\u0000${key}`, `w\u0000${key}`]) {
      const pool = this.pools.get(id);
      this.pools.delete(id);
      if (pool) await (await pool).end().catch(() => undefined);
    }
  }

  async endAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.batches.clear();
    await Promise.all(pools.map(async (p) => (await p).end().catch(() => undefined)));
  }
}

/** Targets that differ only in their schema share a pool (the same URL, so the same database and user). */
function poolKey(fleetTarget: FleetTarget): string {
  return `${fleetTarget.target.engine}\u0000${fleetTarget.target.url}`;
}
