import type { DbConnection, MigrationTransactions } from './types.js';

/**
 * PostgreSQL: one transaction per migration, committed asynchronously (`synchronous_commit off`,
 * local to that transaction), so a run of a thousand migrations does not wait for a thousand WAL
 * flushes. Locks are still released at every commit, as with a synchronous commit. `flush`
 * commits one synchronous transaction that holds an xid: PostgreSQL then waits until the WAL is
 * on disk up to that point, which covers every earlier asynchronous commit. A server crash before
 * the flush can lose the last migrations, but each one together with its history row, and the
 * run has not reported them done yet.
 */
export function postgresTransactions(connection: DbConnection): MigrationTransactions {
  const begin = 'BEGIN; SET LOCAL synchronous_commit TO off';
  let unflushed = false;
  return {
    async begin() {
      await connection.execScript(begin);
    },
    async commit() {
      await connection.execScript('COMMIT');
      unflushed = true;
    },
    async rollback() {
      await connection.execScript('ROLLBACK');
    },
    async flush() {
      if (!unflushed) return;
      await connection.execScript('BEGIN; SELECT txid_current(); COMMIT');
      unflushed = false;
    },
    wrapScript(body, record) {
      // The body keeps its own line numbers (nothing before it on its first line adds a newline),
      // so a database error position maps to the migration file unchanged. The newline before
      // `;` ends a trailing `--` comment in the body.
      unflushed = true;
      return `${begin}; ${body}\n;\n${record};\nCOMMIT`;
    },
  };
}
