/**
 * `table-rewrite`: statements that rewrite (or copy) every row of a table under an ACCESS
 * EXCLUSIVE lock — no reads, no writes, for as long as the copy takes: a type change that is not
 * binary-coercible (judged from the column's current type, src/lint/schema/type-change.ts), a
 * column added with a default that is not known to be stable, of a domain with constraints, serial,
 * identity or stored generated; SET LOGGED/UNLOGGED, SET TABLESPACE, SET ACCESS METHOD, CLUSTER,
 * VACUUM FULL. Quiet on a table nothing live uses yet.
 */
import type { ColumnDef, Node, RangeVar } from 'libpg-query';
import { alterCommands, names, nodeOf, tableName } from '../pg-ast.js';
import { typeFromNode, typeText } from '../schema/column-type.js';
import { KNOWN_VOLATILE, volatileCall } from '../schema/known-functions.js';
import type { SchemaModel } from '../schema/schema-model.js';
import { alterTypeEffect } from './alter-type.js';
import type { RuleHit, Rule } from './rule.js';

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

const FIX_TYPE = 'add a new column of the new type, fill it in batches, and switch the application to it';
const FIX_DEFAULT = 'add the column without a default (or with a constant one), then backfill it in batches';
const FIX_MAINTENANCE = 'avoid it on a live table, or run it in a maintenance window';

/** What each whole-table command is, as a message names it. */
const TABLE_COMMANDS: Readonly<Record<string, string>> = {
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetTableSpace: 'SET TABLESPACE (a copy of every file of the table)',
  AT_SetAccessMethod: 'SET ACCESS METHOD',
};

export const tableRewrite: Rule = {
  name: 'table-rewrite',
  check(stmt, { schema }) {
    const hit = (table: RangeVar | undefined, what: string, fix: string): RuleHit[] =>
      schema.isNew(table)
        ? []
        : [
            {
              rule: this.name,
              message: `${what} rewrites all of "${tableName(table)}" under an ACCESS EXCLUSIVE lock: ${fix}`,
            },
          ];
    const cluster = nodeOf(stmt, 'ClusterStmt');
    if (cluster?.relation) return hit(cluster.relation, 'CLUSTER', 'use pg_repack, or run it in a maintenance window');
    const vacuum = nodeOf(stmt, 'VacuumStmt');
    if (vacuum?.is_vacuumcmd && vacuum.options?.some((o) => isFull(o))) {
      const relations = (vacuum.rels ?? []).flatMap((r) => nodeOf(r, 'VacuumRelation')?.relation ?? []);
      return (relations.length > 0 ? relations : [undefined]).flatMap((r) =>
        hit(r, 'VACUUM FULL', 'use pg_repack, or a plain VACUUM'),
      );
    }
    const { table, cmds } = alterCommands(stmt);
    if (!table) return [];
    return cmds.flatMap((cmd): RuleHit[] => {
      const column = nodeOf(cmd.def, 'ColumnDef');
      if (cmd.subtype === 'AT_AlterColumnType') {
        const effect = alterTypeEffect(cmd, table, schema);
        if (effect.kind !== 'rewrite') return [];
        const from = effect.from
          ? ` (from ${typeText(effect.from)}${effect.why ? `: ${effect.why}` : ''})`
          : effect.why
            ? ` (${effect.why})`
            : '';
        return hit(table, `ALTER COLUMN ${cmd.name ?? '?'} TYPE ${typeText(effect.to)}${from}`, FIX_TYPE);
      }
      if (cmd.subtype === 'AT_AddColumn' && column) {
        const why = rewritingColumn(column, schema);
        if (why) return hit(table, `ADD COLUMN ${column.colname ?? '?'} with ${why}`, FIX_DEFAULT);
      }
      const whole = cmd.subtype ? TABLE_COMMANDS[cmd.subtype] : undefined;
      return whole ? hit(table, whole, FIX_MAINTENANCE) : [];
    });
  },
};

function isFull(option: Node): boolean {
  const def = nodeOf(option, 'DefElem');
  if (def?.defname !== 'full') return false;
  const arg = def.arg;
  return arg === undefined || nodeOf(arg, 'Boolean')?.boolval !== false;
}

/** Why adding this column rewrites the table, if it does. */
function rewritingColumn(column: ColumnDef, schema: SchemaModel): string | undefined {
  const type = names(column.typeName?.names).at(-1) ?? '';
  if (SERIAL_TYPES.has(type)) return `type ${type} (a sequence default, computed per row)`;
  const declared = typeFromNode(column.typeName);
  if (declared && !declared.array && schema.domain(declared.name)?.constrained) {
    return `the type ${declared.name}, a domain with constraints (every row is checked and rewritten)`;
  }
  for (const c of column.constraints ?? []) {
    const constraint = nodeOf(c, 'Constraint');
    if (constraint?.contype === 'CONSTR_IDENTITY') return 'GENERATED AS IDENTITY (computed per row)';
    if (constraint?.contype === 'CONSTR_GENERATED' && constraint.generated_kind !== 'v')
      return 'a stored GENERATED expression';
    if (constraint?.contype === 'CONSTR_DEFAULT') {
      const call = volatileCall(constraint.raw_expr, (parts) => schema.functionVolatility(parts));
      if (call && KNOWN_VOLATILE.has(call.split('.').pop()!.toLowerCase()))
        return `the volatile default ${call}() (computed per row)`;
      if (call)
        return (
          `a default that calls ${call}(), not known to be stable (volatile until proven otherwise: computed ` +
          `per row)`
        );
    }
  }
  return undefined;
}
