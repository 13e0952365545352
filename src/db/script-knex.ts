import type { Knex } from 'knex';
import { dynamicImport } from '../util/dynamic-import.js';
import type { SqlRunner } from './history-store.js';

/** The knex that script migrations receive, on one session's connection. */
export interface ScriptKnex {
  /**
   * Runs `work` in a knex transaction on `connection`, one of our own connections, through knex's
   * public `connection` option: knex sends BEGIN/COMMIT there and never returns it to a pool.
   */
  transaction(connection: unknown, work: (trx: Knex.Transaction) => Promise<void>): Promise<void>;
  /** A knex for no-transaction scripts: its own pool of one connection, opened on first use. */
  plain(): Knex;
  destroy(): Promise<void>;
}

/**
 * knex is imported only when a script migration actually runs (it costs ~60 ms to load). Nothing
 * here reaches into knex's internals: transactions go through `knex.transaction(work, { connection })`.
 */
export async function scriptKnex(client: string, plainConfig: () => Knex.Config): Promise<ScriptKnex> {
  const { default: knex } = await dynamicImport<typeof import('knex')>('knex');
  // No `connection` setting: this instance creates no pool and opens nothing of its own.
  const bound = knex({ client, useNullAsDefault: true });
  let plain: Knex | undefined;
  return {
    async transaction(connection, work) {
      await bound.transaction(work, { connection });
    },
    plain() {
      plain ??= knex({ ...plainConfig(), log: QUIET });
      return plain;
    },
    async destroy() {
      await Promise.all([bound.destroy(), plain?.destroy()]).catch(() => undefined);
    },
  };
}

const ignore = (): void => undefined;
/** knex would print connection problems to the console itself; they reach the caller as errors. */
export const QUIET = { warn: ignore, error: ignore, deprecate: ignore, debug: ignore };

/** A knex transaction as a SqlRunner, for the history write inside a script's transaction. */
export function knexRunner(trx: Knex.Transaction): SqlRunner {
  return {
    async query(sql, params = []) {
      await trx.raw(sql, params as Knex.RawBinding[]);
      return [];
    },
    async exec(sql) {
      await trx.raw(sql);
    },
  };
}

/**
 * The transaction a script migration gets: knex's own, except that `commit()` and `rollback()`
 * refuse. The transaction belongs to modkit: it holds the history row, commits when `up()`
 * resolves and rolls back when it throws. Nested `db.transaction()` handles are the script's own.
 */
export function scriptTransaction(trx: Knex.Transaction): Knex.Transaction {
  const refuse = (method: 'commit' | 'rollback') => () => {
    throw new Error(
      `db.${method}() would end the transaction modkit runs this migration in, together with its history row: ` +
        'modkit commits it when up() resolves and rolls it back when up() throws. To manage transactions yourself, ' +
        'export const transaction = false (the no-transaction marker): the script then gets a plain knex, and its ' +
        'db.transaction() calls are its own.',
    );
  };
  return new Proxy(trx, {
    get(target, property) {
      if (property === 'commit' || property === 'rollback') return refuse(property);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
