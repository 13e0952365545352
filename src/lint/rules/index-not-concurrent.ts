/**
 * `index-not-concurrent`: index builds and drops that block the table — `CREATE INDEX` (writes
 * wait while it builds), `DROP INDEX` (ACCESS EXCLUSIVE on the table: reads wait too) and `REINDEX`
 * (writes wait, and reads that would use the index) without `CONCURRENTLY`. Quiet on a table
 * nothing live uses yet.
 */
import { names, nodeOf, tableName } from '../pg-ast.js';
import type { Rule, RuleContext, RuleHit } from './rule.js';

const NO_TRANSACTION = 'in a file of its own marked -- modkit:no-transaction';

export const indexNotConcurrent: Rule = {
  name: 'index-not-concurrent',
  check(stmt, { schema }) {
    const hit = (message: string): RuleHit[] => [{ rule: this.name, message }];
    const index = nodeOf(stmt, 'IndexStmt');
    if (index) {
      if (index.concurrent || schema.isNew(index.relation)) return [];
      return hit(
        `CREATE INDEX on "${tableName(index.relation)}" blocks writes to the table while the index builds: use ` +
          `CREATE INDEX CONCURRENTLY, ${NO_TRANSACTION}`,
      );
    }
    const drop = nodeOf(stmt, 'DropStmt');
    if (drop?.removeType === 'OBJECT_INDEX' && !drop.concurrent) {
      return (drop.objects ?? []).flatMap((o) => {
        const parts = names(nodeOf(o, 'List')?.items);
        const table = tableOfIndex(parts, schema);
        // Not in the live catalog either: there is nothing to drop.
        if ((table && !table.live) || (!table && schema.catalog)) return [];
        const on = table ? ` on "${table.key.split('.').pop()}"` : '';
        return hit(
          `DROP INDEX ${parts.join('.')} takes an ACCESS EXCLUSIVE lock${on} (every read and write waits): use DROP ` +
            `INDEX CONCURRENTLY, ${NO_TRANSACTION}`,
        );
      });
    }
    const reindex = nodeOf(stmt, 'ReindexStmt');
    if (reindex && !reindex.params?.some((p) => nodeOf(p, 'DefElem')?.defname === 'concurrently')) {
      const relation = reindex.relation;
      if (reindex.kind === 'REINDEX_OBJECT_TABLE' && schema.isNew(relation)) return [];
      if (reindex.kind === 'REINDEX_OBJECT_INDEX' && relation) {
        const table = tableOfIndex(
          [...(relation.schemaname ? [relation.schemaname] : []), relation.relname ?? ''],
          schema,
        );
        if (table && !table.live) return [];
      }
      const what = reindex.kind?.replace('REINDEX_OBJECT_', '') ?? 'TABLE';
      const target = relation ? tableName(relation) : (reindex.name ?? '');
      return hit(
        `REINDEX ${what} ${target} blocks writes (and reads that use the index) while it rebuilds: use REINDEX ` +
          `${what} CONCURRENTLY ${target}, ${NO_TRANSACTION}`,
      );
    }
    return [];
  },
};

function tableOfIndex(parts: readonly string[], schema: RuleContext['schema']) {
  const index = schema.indexes.get(schema.objectKey(parts, schema.indexes));
  return index ? (schema.tables.get(index.table) ?? { key: index.table, live: !schema.catalog }) : undefined;
}
