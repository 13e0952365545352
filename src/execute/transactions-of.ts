import type { MigrationTransactions } from '../db/dialects/types.js';
import type { DbSession } from '../db/session.js';

const byConnection = new WeakMap<object, MigrationTransactions>();

/**
 * The commit policy of a session's connection, one per connection for its lifetime, so that the
 * group or asynchronous commits of one migration are known to the next and to `flush`.
 */
export function transactionsOf(session: DbSession): MigrationTransactions {
  const key = session.connection as object;
  let transactions = byConnection.get(key);
  if (!transactions) {
    transactions = session.dialect.migrationTransactions(session.connection);
    byConnection.set(key, transactions);
  }
  return transactions;
}
