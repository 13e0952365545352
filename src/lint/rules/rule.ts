import type { Node } from 'libpg-query';
import type { FileContext } from '../file-state.js';
import type { RuleName } from '../rule-table.js';

/** One rule's verdict on one statement: what is wrong, and the fix, in one message. */
export interface RuleHit {
  readonly rule: RuleName;
  readonly message: string;
}

/** A rule: looks at one parsed statement, knowing what the file did before it. */
export interface Rule {
  readonly name: RuleName;
  check(stmt: Node, file: FileContext): readonly RuleHit[];
}
