/**
 * `add-column-not-null`: `ADD COLUMN … NOT NULL` without a default fails on a table that has rows
 * (every row would be null), and with a default an old application still writing the table does
 * not know the column. A table this file created is empty: no warning.
 */
import { alterCommands, nodeOf, tableName } from '../pg-ast.js';
import type { Rule } from './rule.js';

/** Constraints that give a new column a value for existing rows. */
const GIVES_VALUES = new Set(['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED']);

export const addColumnNotNull: Rule = {
  name: 'add-column-not-null',
  check(stmt, { schema }) {
    const { table, cmds } = alterCommands(stmt);
    if (schema.isNew(table)) return [];
    return cmds.flatMap((cmd) => {
      const column = cmd.subtype === 'AT_AddColumn' ? nodeOf(cmd.def, 'ColumnDef') : undefined;
      if (!column) return [];
      const constraints = (column.constraints ?? []).flatMap((c) => nodeOf(c, 'Constraint')?.contype ?? []);
      // PRIMARY KEY makes the column NOT NULL too.
      const notNull =
        column.is_not_null === true || constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY');
      if (!notNull || constraints.some((c) => GIVES_VALUES.has(c))) return [];
      return [
        {
          rule: this.name,
          message:
            `ADD COLUMN ${column.colname ?? '?'} NOT NULL without a default fails on "${tableName(table)}" as soon ` +
            `as it has rows: ` +
            'add the column nullable (or with a DEFAULT), backfill it, then SET NOT NULL',
        },
      ];
    });
  },
};
