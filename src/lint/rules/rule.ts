import type { Node } from 'libpg-query';
import type { RuleName } from '../../config/lint-rules.js';
import type { SchemaModel } from '../schema/schema-model.js';

/** One rule's verdict on one statement: what is wrong, and the fix, in one message. */
export interface RuleHit {
  readonly rule: RuleName;
  readonly message: string;
}

/** What a rule knows besides the statement: the file's transaction, and the schema as the statement meets it. */
export interface RuleContext {
  /** False when the file carries a no-transaction marker (or its inline migration says so). */
  readonly transactional: boolean;
  /** The statement stands inside a DO block or a PL/pgSQL body, not at the top level of the file. */
  readonly nested: boolean;
  /** Tables, columns, indexes, domains and functions as the earlier statements left them (read only). */
  readonly schema: SchemaModel;
}

/** Earlier name of {@link RuleContext}. */
export type FileContext = RuleContext;

/** A rule: looks at one parsed statement, knowing what came before it. */
export interface Rule {
  readonly name: RuleName;
  check(stmt: Node, context: RuleContext): readonly RuleHit[];
}
