/**
 * `constraint-builds-index`: a UNIQUE or PRIMARY KEY constraint added without `USING INDEX`, an
 * EXCLUDE constraint, or UNIQUE / PRIMARY KEY written into `ADD COLUMN`, builds its index while
 * the table is locked ACCESS EXCLUSIVE: no reads, no writes until every row is indexed.
 */
import { alterCommands, nodeOf, tableName } from '../pg-ast.js';
import type { Rule, RuleHit } from './rule.js';

const CONCURRENT_FIRST = 'first CREATE UNIQUE INDEX CONCURRENTLY (a file of its own marked -- modkit:no-transaction)';

export const constraintBuildsIndex: Rule = {
  name: 'constraint-builds-index',
  check(stmt, { schema }) {
    const { table, cmds } = alterCommands(stmt);
    if (!table || schema.isNew(table)) return [];
    const name = tableName(table);
    const locked = `on "${name}" under an ACCESS EXCLUSIVE lock (no reads, no writes until every row is indexed)`;
    return cmds.flatMap((cmd): RuleHit[] => {
      if (cmd.subtype === 'AT_AddConstraint') {
        const constraint = nodeOf(cmd.def, 'Constraint');
        const label = constraint?.conname ? ` ${constraint.conname}` : '';
        if (constraint?.contype === 'CONSTR_EXCLUSION') {
          return [
            {
              rule: this.name,
              message:
                `ADD CONSTRAINT${label} EXCLUDE builds its index ${locked}: there is no USING INDEX for ` +
                `exclusion constraints; add it before the table grows, or in a maintenance window`,
            },
          ];
        }
        if (
          (constraint?.contype === 'CONSTR_UNIQUE' || constraint?.contype === 'CONSTR_PRIMARY') &&
          !constraint.indexname
        ) {
          const kind = constraint.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY';
          return [
            {
              rule: this.name,
              message:
                `ADD CONSTRAINT${label} ${kind} builds its index ${locked}: ${CONCURRENT_FIRST}, then ADD ` +
                `CONSTRAINT${label || ' <name>'} ${kind} USING INDEX <that index>`,
            },
          ];
        }
      }
      const column = cmd.subtype === 'AT_AddColumn' ? nodeOf(cmd.def, 'ColumnDef') : undefined;
      const inline = (column?.constraints ?? [])
        .map((c) => nodeOf(c, 'Constraint')?.contype)
        .find((c) => c === 'CONSTR_UNIQUE' || c === 'CONSTR_PRIMARY');
      if (column && inline) {
        const kind = inline === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY';
        return [
          {
            rule: this.name,
            message:
              `ADD COLUMN ${column.colname ?? '?'} ${kind} builds an index ${locked}: add the column alone, ` +
              `${CONCURRENT_FIRST}, then ADD CONSTRAINT … ${kind} USING INDEX <that index>`,
          },
        ];
      }
      return [];
    });
  },
};
