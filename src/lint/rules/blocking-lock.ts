/**
 * `blocking-lock`: statements that hold a lock blocking reads or writes of a live table for longer
 * than a catalog change: `LOCK TABLE` in a mode that blocks writes (held until the migration
 * commits), `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` (reads wait for the rebuild),
 * `DETACH PARTITION` without `CONCURRENTLY`, and a collation change that rebuilds the column's
 * indexes under ACCESS EXCLUSIVE (the table itself is not rewritten).
 */
import { alterCommands, nodeOf, tableName } from '../pg-ast.js';
import { alterTypeEffect } from './alter-type.js';
import type { Rule, RuleHit } from './rule.js';

/** LOCK TABLE modes by number (lockdefs.h); from 5 (SHARE) on, writes wait; at 8, reads too. */
const LOCK_MODES = [
  '',
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];
const SHARE = 5;
const ACCESS_EXCLUSIVE = 8;

export const blockingLock: Rule = {
  name: 'blocking-lock',
  check(stmt, { schema }) {
    const hit = (message: string): RuleHit[] => [{ rule: this.name, message }];
    const lock = nodeOf(stmt, 'LockStmt');
    if (lock && (lock.mode ?? ACCESS_EXCLUSIVE) >= SHARE) {
      const mode = lock.mode ?? ACCESS_EXCLUSIVE;
      const blocked = mode === ACCESS_EXCLUSIVE ? 'every read and write' : 'every write';
      return (lock.relations ?? []).flatMap((r) => {
        const table = nodeOf(r, 'RangeVar');
        if (schema.isNew(table)) return [];
        return hit(
          `LOCK TABLE ${tableName(table)} IN ${LOCK_MODES[mode]} MODE blocks ${blocked} of "${tableName(table)}" ` +
            `until the migration commits: ` +
            'let each statement take the lock it needs, and keep the migration short',
        );
      });
    }
    const refresh = nodeOf(stmt, 'RefreshMatViewStmt');
    if (refresh && !refresh.concurrent && !refresh.skipData && !schema.isNew(refresh.relation)) {
      const view = tableName(refresh.relation);
      return hit(
        `REFRESH MATERIALIZED VIEW ${view} blocks every read of "${view}" until it is rebuilt: use REFRESH ` +
          `MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on ${view})`,
      );
    }
    const { table, cmds } = alterCommands(stmt);
    if (!table || schema.isNew(table)) return [];
    return cmds.flatMap((cmd): RuleHit[] => {
      const detach = cmd.subtype === 'AT_DetachPartition' ? nodeOf(cmd.def, 'PartitionCmd') : undefined;
      if (detach && !detach.concurrent) {
        return hit(
          `DETACH PARTITION ${tableName(detach.name)} takes an ACCESS EXCLUSIVE lock on "${tableName(table)}" ` +
            `(every read and write of the partitioned table waits): ` +
            'use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+), in a file of its own marked -- ' +
            'modkit:no-transaction',
        );
      }
      if (cmd.subtype !== 'AT_AlterColumnType') return [];
      const effect = alterTypeEffect(cmd, table, schema);
      if (effect.kind !== 'indexes') return [];
      return hit(
        `ALTER COLUMN ${cmd.name ?? '?'} … COLLATE "${effect.collation}" rebuilds the ` +
          `index${effect.indexes.length > 1 ? 'es' : ''} ${effect.indexes.join(', ')} of "${tableName(table)}" ` +
          'under an ACCESS EXCLUSIVE lock (the table itself is not rewritten): build the new indexes CONCURRENTLY ' +
          'first, or run it in a maintenance window',
      );
    });
  },
};
