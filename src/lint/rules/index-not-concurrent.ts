/**
 * `index-not-concurrent`: `CREATE INDEX` without `CONCURRENTLY` blocks every write to the table
 * while the index builds — minutes on a large table. A table this file created is empty: no warning.
 */
import { nodeOf, tableName } from '../pg-ast.js';
import type { Rule } from './rule.js';

export const indexNotConcurrent: Rule = {
  name: 'index-not-concurrent',
  check(stmt, file) {
    const index = nodeOf(stmt, 'IndexStmt');
    if (!index || index.concurrent || file.createdByFile(index.relation)) return [];
    return [
      {
        rule: this.name,
        message:
          `CREATE INDEX on "${tableName(index.relation)}" blocks writes to the table while the index builds: ` +
          'use CREATE INDEX CONCURRENTLY, in a file of its own marked -- modkit:no-transaction',
      },
    ];
  },
};
