/**
 * Every statement rule, in the order findings of one statement are listed. (`syntax` is the
 * parser's, `not-analysed` the preparation's.) A new rule: a file here, a line below, and its name
 * and default severity in src/config/lint-rules.ts.
 */
import { addColumnNotNull } from './add-column-not-null.js';
import { blockingLock } from './blocking-lock.js';
import { constraintBuildsIndex } from './constraint-builds-index.js';
import { constraintValidatesTable } from './constraint-validates-table.js';
import { destructive } from './destructive.js';
import { indexNotConcurrent } from './index-not-concurrent.js';
import { needsNoTransaction } from './needs-no-transaction.js';
import type { Rule } from './rule.js';
import { tableRewrite } from './table-rewrite.js';
import { transactionControl } from '../transaction-control.js';

export const STATEMENT_RULES: readonly Rule[] = [
  transactionControl,
  needsNoTransaction,
  indexNotConcurrent,
  constraintBuildsIndex,
  addColumnNotNull,
  tableRewrite,
  constraintValidatesTable,
  blockingLock,
  destructive,
];

export type { Rule, RuleContext, RuleHit } from './rule.js';
