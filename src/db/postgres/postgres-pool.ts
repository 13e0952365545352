import type { DatabaseTarget } from '../../config/types.js';
import { ModkitError } from '../../errors.js';
import { unreachableError } from '../connection-errors.js';
import { postgresLockKeys } from '../lock-key.js';
import type { ManyHistoriesReader, Session, SessionPool } from '../session.js';
import { APPLICATION_NAMES, connectClient, PostgresConnection, sessionSettings } from './postgres-connection.js';
import { DEFAULT_HISTORY_SCHEMA } from './postgres-history.js';
import { joinBarrier, PostgresRunLock } from './postgres-lock.js';
import { TABLES_PER_READ } from './postgres-history-rows.js';
import { readSchemaHistories } from './postgres-schema-histories.js';
import { postgresSession } from './postgres-session.js';
import { quoteIdent, quoteLiteral } from './quote.js';

/**
 * Sessions on the schemas of one PostgreSQL database (a schema-per-tenant fleet) over a few shared
 * connections: a target borrows a working connection and, to write, a lock connection; its
 * `search_path` is set in the round trip that joins its barrier, and giving the connection back
 * runs `DISCARD ALL`, which drops the search_path, the barrier, prepared statements and any
 * setting a migration left behind, so the next tenant starts clean. A thousand schemas then cost
 * as many connections as run at once (`--parallel`), not two thousand connects. The first failed
 * connect is remembered: every later target of this database fails with it at once instead of
 * waiting for its own connect timeout.
 */
export function postgresPool(options: { readonly readOnly?: boolean }): SessionPool {
  return new PostgresSessionPool(options.readOnly === true);
}

class PostgresSessionPool implements SessionPool {
  private readonly idleWork: PostgresConnection[] = [];
  private readonly idleLocks: PostgresConnection[] = [];
  private failure: unknown;
  private ended = false;

  readonly manyHistories?: ManyHistoriesReader;

  constructor(private readonly readOnly: boolean) {
    if (!readOnly) return;
    this.manyHistories = {
      tablesPerRead: TABLES_PER_READ,
      read: async (targets, tables) => {
        if (targets.length === 0) return new Map();
        // Its names are schema-qualified: the connection's search_path does not matter, and nothing is left in it.
        const first = targets[0]!;
        const settings = sessionSettings({ ...first, searchPath: undefined } as DatabaseTarget, { readOnly: true });
        const connection = await this.borrow(this.idleWork, first, settings, APPLICATION_NAMES.migration).catch(
          () => undefined,
        );
        if (!connection) return new Map();
        try {
          const read = await readSchemaHistories(connection, targets, tables);
          if (this.ended) await connection.close();
          else this.idleWork.push(connection);
          return read;
        } catch {
          // Each target then reads its own and meets the error itself, if it is one of its own.
          await connection.close();
          return new Map();
        }
      },
    };
  }

  async open(target: DatabaseTarget): Promise<Session> {
    const settings = sessionSettings({ ...target, searchPath: undefined } as DatabaseTarget, {
      readOnly: this.readOnly,
    });
    const [workOutcome, lockOutcome] = await Promise.allSettled([
      this.borrow(this.idleWork, target, settings, APPLICATION_NAMES.migration),
      this.readOnly ? undefined : this.borrow(this.idleLocks, target, [], APPLICATION_NAMES.lock),
    ]);
    if (workOutcome.status === 'rejected' || lockOutcome.status === 'rejected') {
      // The one that did open goes back; the failure is the target's.
      if (workOutcome.status === 'fulfilled') await this.giveBackWork(workOutcome.value);
      if (lockOutcome.status === 'fulfilled' && lockOutcome.value) this.idleLocks.push(lockOutcome.value);
      throw workOutcome.status === 'rejected' ? workOutcome.reason : (lockOutcome as PromiseRejectedResult).reason;
    }
    const work = workOutcome.value;
    const lockConnection = lockOutcome.value;
    if (this.readOnly || !lockConnection) {
      // A read-only session runs only modkit's own reads, which leave nothing in the session but
      // the search_path each target sets anew: its connection goes back without DISCARD ALL.
      const lease = {
        giveBack: async (connection: PostgresConnection) =>
          void (this.ended ? await connection.close() : this.idleWork.push(connection)),
      };
      await work
        .exec(target.searchPath ? `SET search_path TO ${target.searchPath}` : 'RESET search_path')
        .catch(async (error: unknown) => {
          await work.close();
          throw error;
        });
      return postgresSession(target, work, { lease });
    }
    const lease = { giveBack: (connection: PostgresConnection) => this.giveBackWork(connection) };
    const keys = postgresLockKeys(target.schema);
    const lock = new PostgresRunLock(target, () => this.prepare(work, target, keys), {
      connection: lockConnection,
      giveBack: (healthy) =>
        healthy && !this.ended ? void this.idleLocks.push(lockConnection) : void lockConnection.close(),
    });
    return postgresSession(target, work, { lock, lease });
  }

  async end(): Promise<void> {
    this.ended = true;
    const all = [...this.idleWork.splice(0), ...this.idleLocks.splice(0)];
    await Promise.all(all.map((c) => c.close()));
  }

  /**
   * Once the target's lock is held: join its barrier, point unqualified names at its schema and
   * create that schema when it is missing (under the lock, so two runners never race to create it).
   */
  private async prepare(
    work: PostgresConnection,
    target: DatabaseTarget,
    keys: ReturnType<typeof postgresLockKeys>,
  ): Promise<void> {
    const schema = target.schema;
    const create =
      schema && schema !== DEFAULT_HISTORY_SCHEMA
        ? // Committed asynchronously, like the history tables and migrations made durable by the run's flush.
          `BEGIN; SET LOCAL synchronous_commit TO off; DO $modkit$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ${quoteLiteral(schema)}) THEN CREATE SCHEMA ${quoteIdent(schema)}; END IF; END $modkit$; COMMIT`
        : '';
    const then = [target.searchPath ? `SET search_path TO ${target.searchPath}` : '', create]
      .filter(Boolean)
      .join('; ');
    try {
      await joinBarrier(work, keys, then);
    } catch (error) {
      await work.exec('ROLLBACK').catch(() => undefined);
      if (!create) throw error;
      throw new ModkitError(
        'usage',
        `cannot create schema "${schema}": ${(error as Error).message}. Create it first, or grant this user CREATE on the database.`,
        {
          cause: error,
          details: { schema },
        },
      );
    }
  }

  private async borrow(
    idle: PostgresConnection[],
    target: DatabaseTarget,
    settings: readonly string[],
    name: string,
  ): Promise<PostgresConnection> {
    const pooled = idle.pop();
    if (pooled) return pooled;
    if (this.failure !== undefined) throw unreachableError(target.url, this.failure);
    try {
      return new PostgresConnection(await connectClient(target.url, settings, name));
    } catch (error) {
      this.failure = error;
      throw unreachableError(target.url, error);
    }
  }

  /** Back to the pool in a clean state, or closed when it cannot be made clean. */
  private async giveBackWork(connection: PostgresConnection): Promise<void> {
    if (!this.ended) {
      try {
        await connection.exec('DISCARD ALL');
        this.idleWork.push(connection);
        return;
      } catch {
        try {
          await connection.exec('ROLLBACK');
          await connection.exec('DISCARD ALL');
          this.idleWork.push(connection);
          return;
        } catch {
          // broken: closed below
        }
      }
    }
    await connection.close();
  }
}
