import type { DatabaseTarget } from '../config/types.js';
import type { ManyHistoriesReader } from '../db/session.js';
import type { ModuleHistory } from '../plan/types.js';

type Batch = Map<DatabaseTarget, Map<string, ModuleHistory>>;

/**
 * The histories of one database's targets (its schemas), read a batch of targets at a time, in
 * the order the fleet runs them: a target's batch is read when its first target asks, and the
 * next `ahead` batches meanwhile, each on a connection of its own: reading the tables is the
 * server's work (opening each table, ~0.1 ms, in each new connection), and more than one backend
 * does it at once while the fleet plans.
 * A batch is forgotten once each of its targets took its histories: memory stays flat however
 * many schemas there are. Every target of a run reads the same tables (the run's modules).
 */
export class HistoryBatches {
  private readonly batches = new Map<number, { readonly reading: Promise<Batch>; left: number }>();
  private readonly perBatch: number;

  constructor(
    /** The database's targets, in the order they run. */
    private readonly targets: readonly DatabaseTarget[],
    readonly tables: ReadonlyMap<string, string>,
    private readonly reader: ManyHistoriesReader,
    /** Batches read ahead of the one asked for. */
    private readonly ahead: number,
  ) {
    this.perBatch = Math.max(1, Math.floor(reader.tablesPerRead / Math.max(1, tables.size)));
  }

  /** The histories of the target at `position`; undefined when the target must read its own. */
  async take(position: number): Promise<Map<string, ModuleHistory> | undefined> {
    const index = Math.floor(position / this.perBatch);
    const batch = this.start(index);
    for (let next = index + 1; next <= index + this.ahead; next += 1) this.start(next);
    const histories = (await batch.reading).get(this.targets[position]!);
    batch.left -= 1;
    if (batch.left === 0) this.batches.delete(index);
    return histories;
  }

  private start(index: number): { readonly reading: Promise<Batch>; left: number } {
    const known = this.batches.get(index);
    if (known) return known;
    const targets = this.targets.slice(index * this.perBatch, (index + 1) * this.perBatch);
    const reading =
      targets.length > 0
        ? this.reader.read(targets, this.tables).catch(() => new Map() as Batch)
        : Promise.resolve(new Map() as Batch);
    const batch = { reading, left: targets.length };
    if (targets.length > 0) this.batches.set(index, batch);
    return batch;
  }
}
