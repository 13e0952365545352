/**
 * `needs-no-transaction`: statements PostgreSQL refuses inside a transaction block, in a file that
 * runs in one (no no-transaction marker). migrate would fail on them (supabase's storage
 * migrations once did, with `CREATE INDEX CONCURRENTLY`).
 */
import type { Node } from 'libpg-query';
import { alterCommands, nodeOf } from '../pg-ast.js';
import type { Rule } from './rule.js';

const FIX = 'put it in a migration file of its own whose first line is -- modkit:no-transaction';

/** What the statement is, when PostgreSQL cannot run it in a transaction block. */
function outsideTransactionOnly(stmt: Node): string | undefined {
  if (nodeOf(stmt, 'IndexStmt')?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (nodeOf(stmt, 'DropStmt')?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindex = nodeOf(stmt, 'ReindexStmt');
  if (reindex?.params?.some((p) => nodeOf(p, 'DefElem')?.defname === 'concurrently')) return 'REINDEX CONCURRENTLY';
  const vacuum = nodeOf(stmt, 'VacuumStmt');
  if (vacuum?.is_vacuumcmd) return 'VACUUM';
  if (nodeOf(stmt, 'AlterSystemStmt')) return 'ALTER SYSTEM';
  if (nodeOf(stmt, 'CreatedbStmt')) return 'CREATE DATABASE';
  if (nodeOf(stmt, 'DropdbStmt')) return 'DROP DATABASE';
  if (nodeOf(stmt, 'CreateTableSpaceStmt')) return 'CREATE TABLESPACE';
  if (nodeOf(stmt, 'DropTableSpaceStmt')) return 'DROP TABLESPACE';
  const cluster = nodeOf(stmt, 'ClusterStmt');
  if (cluster && !cluster.relation) return 'CLUSTER without a table';
  const detach = alterCommands(stmt).cmds.find(
    (c) => c.subtype === 'AT_DetachPartition' && nodeOf(c.def, 'PartitionCmd')?.concurrent,
  );
  if (detach) return 'DETACH PARTITION CONCURRENTLY';
  return undefined;
}

export const needsNoTransaction: Rule = {
  name: 'needs-no-transaction',
  check(stmt, { transactional, nested }) {
    // Inside a DO block or a function these cannot run at all; the server says so plainly.
    if (!transactional || nested) return [];
    const what = outsideTransactionOnly(stmt);
    return what
      ? [{ rule: this.name, message: `${what} cannot run inside a transaction, and this file runs in one: ${FIX}` }]
      : [];
  },
};
