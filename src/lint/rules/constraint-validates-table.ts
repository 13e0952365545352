/**
 * `constraint-validates-table`: statements that check every row of a live table while holding a
 * lock that blocks writes — a FOREIGN KEY or CHECK added without `NOT VALID` (a foreign key also
 * locks the referenced table), CHECK (or REFERENCES with a default) written into `ADD COLUMN`,
 * `SET NOT NULL` without a validated `CHECK (col IS NOT NULL)`, `ATTACH PARTITION` of a table
 * without a validated CHECK that proves its bounds, and `ALTER DOMAIN … ADD CONSTRAINT` without
 * `NOT VALID` (every column of that type, in every table).
 */
import type { AlterTableCmd, Constraint, Node, RangeVar } from 'libpg-query';
import { alterCommands, names, nodeOf, tableName } from '../pg-ast.js';
import type { Rule, RuleContext, RuleHit } from './rule.js';

const LATER = 'in a later migration (it does not block writes)';

export const constraintValidatesTable: Rule = {
  name: 'constraint-validates-table',
  check(stmt, context) {
    const domain = nodeOf(stmt, 'AlterDomainStmt');
    if (domain?.subtype === 'C') return alterDomain(this.name, domain.def, names(domain.typeName), context);
    const { table, cmds } = alterCommands(stmt);
    if (!table || context.schema.isNew(table)) return [];
    return cmds.flatMap((cmd) => checkCommand(cmd, table, context).map((message) => ({ rule: this.name, message })));
  },
};

function checkCommand(cmd: AlterTableCmd, table: RangeVar, { schema }: RuleContext): string[] {
  const name = tableName(table);
  const constraint = cmd.subtype === 'AT_AddConstraint' ? nodeOf(cmd.def, 'Constraint') : undefined;
  const kind =
    constraint?.contype === 'CONSTR_FOREIGN'
      ? 'FOREIGN KEY'
      : constraint?.contype === 'CONSTR_CHECK'
        ? 'CHECK'
        : undefined;
  if (constraint && kind && constraint.skip_validation !== true) {
    const label = constraint.conname ? ` ${constraint.conname}` : '';
    return [
      `ADD CONSTRAINT${label} ${kind} checks every row of "${name}" while holding its lock: add it NOT VALID, then ` +
        `VALIDATE CONSTRAINT${label || ' <name>'} ${LATER}`,
    ];
  }
  if (cmd.subtype === 'AT_SetNotNull' && cmd.name) {
    const proven = schema.table(table)?.checks.some((c) => c.validated && c.notNullOf === cmd.name);
    if (proven) return [];
    return [
      `SET NOT NULL on ${cmd.name} scans all of "${name}" under an ACCESS EXCLUSIVE lock: first ADD CONSTRAINT … ` +
        `CHECK (${cmd.name} IS NOT NULL) NOT VALID ` +
        'and VALIDATE CONSTRAINT it (in this file or an earlier one): PostgreSQL then skips the scan',
    ];
  }
  const column = cmd.subtype === 'AT_AddColumn' ? nodeOf(cmd.def, 'ColumnDef') : undefined;
  if (column)
    return inlineConstraints(
      column.colname ?? '?',
      (column.constraints ?? []).flatMap((c) => nodeOf(c, 'Constraint') ?? []),
      name,
    );
  const attach = cmd.subtype === 'AT_AttachPartition' ? nodeOf(cmd.def, 'PartitionCmd') : undefined;
  if (attach?.name && !schema.isNew(attach.name) && !provesBounds(attach.name, table, schema)) {
    const partition = tableName(attach.name);
    return [
      `ATTACH PARTITION ${partition} scans all of "${partition}" under an ACCESS EXCLUSIVE lock to prove its rows ` +
        `fit the bounds: ` +
        `first ADD CONSTRAINT … CHECK (the bounds, with the key IS NOT NULL) NOT VALID on ${partition} and VALIDATE ` +
        `it; ATTACH then skips the scan`,
    ];
  }
  return [];
}

/** CHECK in ADD COLUMN checks every row; REFERENCES does too when the new column gets a default. */
function inlineConstraints(column: string, constraints: readonly Constraint[], table: string): string[] {
  const hasDefault = constraints.some((c) => c.contype === 'CONSTR_DEFAULT' && !isNullConstant(c.raw_expr));
  const found: string[] = [];
  if (constraints.some((c) => c.contype === 'CONSTR_CHECK' && c.skip_validation !== true)) found.push('CHECK');
  if (hasDefault && constraints.some((c) => c.contype === 'CONSTR_FOREIGN')) found.push('REFERENCES (with a DEFAULT)');
  if (found.length === 0) return [];
  return [
    `${found.join(' and ')} written in ADD COLUMN ${column} checks every row of "${table}" under the ACCESS ` +
      `EXCLUSIVE lock: ` +
      `add the column alone, then ADD CONSTRAINT … NOT VALID and VALIDATE CONSTRAINT ${LATER}`,
  ];
}

function isNullConstant(expr: Node | undefined): boolean {
  return (nodeOf(expr, 'A_Const') as { isnull?: boolean } | undefined)?.isnull === true;
}

/** A validated CHECK on the partition that mentions every column of the parent's partition key. */
function provesBounds(partition: RangeVar, parent: RangeVar, schema: RuleContext['schema']): boolean {
  const key = schema.table(parent)?.partitionKey ?? [];
  return (schema.table(partition)?.checks ?? []).some((c) => c.validated && key.every((k) => c.columns.includes(k)));
}

/** ALTER DOMAIN ADD CONSTRAINT checks the columns of that type: quiet only when no live table has one. */
function alterDomain(
  rule: RuleHit['rule'],
  def: Node | undefined,
  domain: readonly string[],
  { schema }: RuleContext,
): RuleHit[] {
  const constraint = nodeOf(def, 'Constraint');
  if (!constraint || constraint.skip_validation === true || constraint.contype !== 'CONSTR_CHECK') return [];
  const key = schema.objectKey(domain, schema.domains);
  const known = schema.domains.has(key);
  const name = domain.at(-1)!;
  const used = [...schema.tables.values()].some(
    (t) =>
      t.live &&
      (t.columns === undefined || [...t.columns.values()].some((c) => c.type.name === key || c.type.name === name)),
  );
  if (known && !used) return [];
  const label = constraint.conname ? ` ${constraint.conname}` : '';
  return [
    {
      rule,
      message:
        `ALTER DOMAIN ${domain.join('.')} ADD CONSTRAINT${label} checks every column of type ${name} in every ` +
        `table, holding a SHARE lock (writes wait): ` +
        `add it NOT VALID, then VALIDATE CONSTRAINT${label || ' <name>'} ${LATER}`,
    },
  ];
}
