/** Every statement rule, in the order findings of one statement are listed. (`syntax` is the parser's.) */
import { addColumnNotNull } from './add-column-not-null.js';
import { constraintValidatesTable } from './constraint-validates-table.js';
import { destructive } from './destructive.js';
import { indexNotConcurrent } from './index-not-concurrent.js';
import { needsNoTransaction } from './needs-no-transaction.js';
import type { Rule } from './rule.js';
import { tableRewrite } from './table-rewrite.js';

export const STATEMENT_RULES: readonly Rule[] = [needsNoTransaction, indexNotConcurrent, addColumnNotNull, tableRewrite, constraintValidatesTable, destructive];

export type { Rule, RuleHit } from './rule.js';
