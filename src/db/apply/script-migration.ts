/**
 * Script migrations through knex: in a transaction of their own on the working connection, or
 * given a plain knex (no-transaction scripts), with the history row written in that transaction.
 */
import type { Knex } from '../../modules/knex-types.js';
import type { MigrationBody } from '../../modules/load-body.js';
import { stopwatch } from '../../util/stopwatch.js';
import { GuardLost } from '../body-guard.js';
import { knexRunner, scriptTransaction } from '../script-knex.js';
import { BodyError, LockTimeoutError, type MigrationStep, type StepContext } from '../session.js';
import { recordStep } from './marks.js';
import type { WorkingConnection } from './working-connection.js';

export type ScriptBody = Extract<MigrationBody, { format: 'script' }>;

/**
 * A transactional script migration: knex opens the transaction on our connection (its public
 * `connection` option), the script gets that `Knex.Transaction` (its own `db.transaction()` nests
 * as a savepoint), and the history row is written through it, so both commit or roll back together.
 * `setup`: statements that open the transaction, before the step's timeouts.
 */
export async function applyScriptInTransaction(
  conn: WorkingConnection,
  step: MigrationStep,
  body: ScriptBody,
  context: StepContext,
  setup: readonly string[] = [],
): Promise<void> {
  const { driver } = conn;
  const knex = await conn.scripts();
  await conn.clean();
  const elapsed = stopwatch();
  const statements = [...setup, ...(context.timeouts ? await driver.timeoutStatements(context.timeouts, 'local') : [])];
  const watch = context.timeouts?.lockMs ? driver.watchBlockers(context.timeouts.lockMs) : undefined;
  // knex's own ROLLBACK after an ended transaction may fail and replace the error: remember it.
  let lost: GuardLost | undefined;
  try {
    await knex.transaction(driver.knex.connection, async (trx) => {
      for (const statement of statements) await trx.raw(statement);
      const exec = (sql: string) => trx.raw(sql);
      const run = () => runScript(body, scriptTransaction(trx), context);
      await conn.guarded(exec, run, step, context).catch((error: unknown) => {
        if (error instanceof GuardLost) lost = error;
        throw error;
      });
      await recordStep(knexRunner(trx), driver.dialect, step, context, elapsed());
    });
  } catch (error) {
    if (lost) throw await conn.transactionEnded(lost);
    throw scriptLockTimeout(conn, error, context, watch?.stop() ?? []) ?? error;
  } finally {
    watch?.stop();
  }
}

/** A script's lock timeout surfaces from inside the user's code: recognised there too. */
export function scriptLockTimeout(
  conn: WorkingConnection,
  error: unknown,
  context: StepContext,
  blockers: readonly string[],
): LockTimeoutError | undefined {
  const cause = error instanceof BodyError ? error.cause : error;
  if (!conn.driver.isLockTimeout(cause)) return undefined;
  return new LockTimeoutError(cause, undefined, blockers, conn.driver.lockTimeoutMsOf(context.timeouts?.lockMs ?? 0));
}

/** Runs a script's body with the knex it should get; its failure is the body's. */
export async function runScript(body: ScriptBody, db: Knex, context: StepContext): Promise<void> {
  try {
    // A script may wait on timers or I/O that no database cancel reaches: stop waiting for it,
    // so its transaction rolls back; knex refuses its later queries on the finished transaction.
    await untilAborted(Promise.resolve(body.run(db)), context.signal);
  } catch (error) {
    throw new BodyError(error);
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('cancelled by a signal'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
