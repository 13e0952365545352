import { sleep } from '../util/sleep.js';
import type { DatabaseGroup } from '../config/database-groups.js';
import { groupsByModule } from '../config/database-groups.js';
import type { DatabasePlacement } from '../config/module-databases.js';
import { isRunLockHeld } from '../db/load-engine.js';
import { ModkitError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import type { MigrationPlan, Problem } from '../plan/types.js';
import { plural } from '../util/plural.js';
import { stopwatch } from '../util/stopwatch.js';
import { inspectDatabases } from './inspect.js';
import { compareIds } from '../modules/migration-files.js';

/** A migration the code knows that the database does not record as applied yet. */
export interface PendingMigration {
  readonly module: string;
  readonly id: string;
}

/**
 * How a wait ended. `ready`: every migration of the modules is recorded as applied; `pending`: the
 * time ran out with migrations still pending; `dirty`: a module is dirty and no run holds the lock
 * (nothing will finish it); `unreachable`: the last try could not reach a database (`error`).
 */
export interface SchemaWait {
  readonly outcome: 'ready' | 'pending' | 'dirty' | 'unreachable';
  readonly pending: readonly PendingMigration[];
  /** The dirty modules' problems (outcome `dirty`). */
  readonly dirty: readonly Problem[];
  /** The last plan read, when a database answered. */
  readonly plan?: MigrationPlan;
  readonly databases: readonly DatabaseGroup[];
  readonly waitedMs: number;
  /** How many times the histories were read (or tried). */
  readonly attempts: number;
  /** `unreachable`: the last connection error. */
  readonly error?: ModkitError;
}

/** One look at the histories: what is still pending, or why the database did not answer. */
export interface SchemaLook {
  readonly pending: readonly PendingMigration[];
  readonly waitedMs: number;
  readonly error?: ModkitError;
}

export interface WaitForSchemaOptions {
  /** How long to keep trying; 0 looks once. */
  readonly timeoutMs: number;
  /** Aborting ends the wait at once: it rejects with an `interrupted` ModkitError (exit 130). */
  readonly signal?: AbortSignal;
  /** Hears each look that found migrations pending (or a database unreachable), and the final one. */
  readonly onLook?: (look: SchemaLook) => void;
}

/** The first pause between two looks; it grows by half each time, up to {@link MAX_POLL_MS}. */
const FIRST_POLL_MS = 200;
const MAX_POLL_MS = 2_000;

/**
 * `modkit wait` and `run --no-migrate`: reads the histories read-only, as `status` does, until
 * every migration the code knows (of `modules`) is recorded as applied, or the time is up. A run
 * in progress shows its no-transaction migration as `started`: that is not dirty while a run holds
 * the database's lock, only once none does (then nothing will finish it, and waiting is pointless).
 * A database that cannot be reached (or a driver error) is tried again until the time is up; then
 * an unreachable database is the `unreachable` outcome, a driver error is thrown. Writes nothing.
 */
export async function waitForSchema(
  placement: DatabasePlacement,
  modules: readonly LoadedModule[],
  options: WaitForSchemaOptions,
): Promise<SchemaWait> {
  const elapsed = stopwatch();
  let pauseMs = FIRST_POLL_MS;
  for (let attempts = 1; ; attempts += 1) {
    if (options.signal?.aborted) throw interrupted();
    const look = await lookOnce(placement, modules);
    const waitedMs = elapsed();
    const base = { databases: look.databases, waitedMs, attempts, ...(look.plan ? { plan: look.plan } : {}) };
    if (look.error) options.onLook?.({ pending: [], waitedMs, error: look.error });
    else options.onLook?.({ pending: look.pending, waitedMs });
    const dirty = look.dirty.length > 0 ? await confirmDirt(look.dirty, placement, modules) : [];
    if (dirty.length > 0) return { ...base, outcome: 'dirty', pending: look.pending, dirty };
    if (!look.error && look.pending.length === 0) return { ...base, outcome: 'ready', pending: [], dirty: [] };
    const left = options.timeoutMs - waitedMs;
    if (left <= 0) {
      if (!look.error) return { ...base, outcome: 'pending', pending: look.pending, dirty: [] };
      if (look.error.kind !== 'unreachable') throw look.error;
      return { ...base, outcome: 'unreachable', pending: [], dirty: [], error: look.error };
    }
    // An abort ends the pause early; the loop's first line then says so.
    await sleep(Math.min(pauseMs, left), options.signal);
    pauseMs = Math.min(MAX_POLL_MS, Math.round(pauseMs * 1.5));
  }
}

interface Look {
  readonly plan?: MigrationPlan;
  readonly databases: readonly DatabaseGroup[];
  readonly pending: readonly PendingMigration[];
  /** Dirty modules whose database no run is migrating. */
  readonly dirty: readonly Problem[];
  readonly error?: ModkitError;
}

async function lookOnce(placement: DatabasePlacement, modules: readonly LoadedModule[]): Promise<Look> {
  let inspection: Awaited<ReturnType<typeof inspectDatabases>>;
  try {
    inspection = await inspectDatabases(placement, modules);
  } catch (error) {
    // What modkit diagnosed (a config problem, history tables in another schema) will not go away
    // by waiting; an unreachable database, or a driver error (a busy file, a table created at that
    // very moment), may: look again.
    if (error instanceof ModkitError && error.kind !== 'unreachable') throw error;
    return { databases: [], pending: [], dirty: [], error: asModkitError(error) };
  }
  const { plan, databases } = inspection;
  // A `started` row is a migration still running (or left dirty): not applied either.
  const pending = plan.modules.flatMap((m) =>
    [...m.history.records.filter((r) => r.state === 'started').map((r) => r.version), ...m.pending.map((p) => p.id)]
      .sort(compareIds)
      .map((id) => ({ module: m.module.name, id })),
  );
  return { plan, databases, pending, dirty: await abandonedDirt(plan.problems, databases) };
}

/**
 * The dirty problems of `seen` that a second look still finds. The first look read a `started` row,
 * then found no run holding the lock; but the run that wrote the row may have finished (and let go
 * of the lock) between that read and that probe. Read after the probe, a row still `started` was
 * written before a moment when no run held the lock, so no run is finishing it: that is dirt.
 */
async function confirmDirt(
  seen: readonly Problem[],
  placement: DatabasePlacement,
  modules: readonly LoadedModule[],
): Promise<Problem[]> {
  const again = await lookOnce(placement, modules);
  const still = new Set(again.plan?.problems.filter((p) => p.kind === 'dirty').map((p) => `${p.module}\0${p.id}`));
  return seen.filter((p) => still.has(`${p.module}\0${p.id}`));
}

/** The dirty problems of databases where no run holds the lock: left by a run that died. */
async function abandonedDirt(problems: readonly Problem[], databases: readonly DatabaseGroup[]): Promise<Problem[]> {
  const dirty = problems.filter((p) => p.kind === 'dirty');
  if (dirty.length === 0) return [];
  const groupOf = groupsByModule(databases);
  const held = new Map<DatabaseGroup, Promise<boolean>>();
  const abandoned: Problem[] = [];
  for (const problem of dirty) {
    const group = groupOf.get(problem.module)!;
    if (!held.has(group)) held.set(group, isRunLockHeld(group.target));
    if (!(await held.get(group)!)) abandoned.push(problem);
  }
  return abandoned;
}

/**
 * The error of a wait that did not end `ready` (undefined when it did): exit 4 listing what is
 * pending (or the dirty modules nobody is migrating), exit 5 with the last connection error.
 */
export function schemaWaitError(wait: SchemaWait): ModkitError | undefined {
  const after = `after ${wait.waitedMs} ms (${wait.attempts} ${wait.attempts === 1 ? 'look' : 'looks'})`;
  switch (wait.outcome) {
    case 'ready':
      return undefined;
    case 'unreachable':
      return new ModkitError('unreachable', `gave up waiting for the schema ${after}: ${wait.error!.message}`, {
        cause: wait.error,
        details: wait.error!.details,
      });
    case 'dirty': {
      const one = wait.dirty.length === 1;
      return new ModkitError(
        'validation',
        `the schema will not become ready: ${one ? 'a module is' : 'modules are'} dirty and no run holds the ` +
          `migration lock, so nothing is finishing ${one ? 'it' : 'them'}:\n` +
          wait.dirty.map((p) => `- ${p.message}`).join('\n'),
        { details: { dirty: wait.dirty, pending: wait.pending } },
      );
    }
    case 'pending': {
      const modules = new Set(wait.pending.map((p) => p.module)).size;
      const count = wait.pending.length;
      const what = `${plural(count, 'migration')} of ${plural(modules, 'module')}`;
      const list = wait.pending.map((p) => `- ${p.module} ${p.id}`).join('\n');
      return new ModkitError(
        'validation',
        `the schema is not ready ${after}: ${what} ${count === 1 ? 'is' : 'are'} not applied yet:\n${list}\n` +
          'Apply them first (`modkit migrate --only`, the migration Job), or give the wait more time ' +
          '(`wait --timeout`, `run --wait-timeout`).',
        { details: { pending: wait.pending, waitedMs: wait.waitedMs } },
      );
    }
  }
}

/** Exit 130: a signal ended the wait; nothing was read into anything, nothing started. */
function interrupted(): ModkitError {
  return new ModkitError('interrupted', 'interrupted by a signal while waiting for the schema; nothing was started');
}

function asModkitError(error: unknown): ModkitError {
  if (error instanceof ModkitError) return error;
  const message = `reading the migration histories failed: ${(error as Error)?.message ?? String(error)}`;
  return new ModkitError('migration-failed', message, { cause: error });
}
