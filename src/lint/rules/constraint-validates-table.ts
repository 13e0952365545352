/**
 * `constraint-validates-table`: adding a FOREIGN KEY or CHECK without `NOT VALID` scans the whole
 * table (and, for a foreign key, locks the referenced one) before it commits; `SET NOT NULL` scans
 * it under an ACCESS EXCLUSIVE lock unless a validated `CHECK (col IS NOT NULL)` already proves it.
 * A table this file created is empty: no warning.
 */
import { alterCommands, nodeOf, tableName } from '../pg-ast.js';
import type { Rule, RuleHit } from './rule.js';

export const constraintValidatesTable: Rule = {
  name: 'constraint-validates-table',
  check(stmt, file) {
    const { table, cmds } = alterCommands(stmt);
    if (!table || file.createdByFile(table)) return [];
    const name = tableName(table);
    return cmds.flatMap((cmd): RuleHit[] => {
      const constraint = cmd.subtype === 'AT_AddConstraint' ? nodeOf(cmd.def, 'Constraint') : undefined;
      const kind = constraint?.contype === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : constraint?.contype === 'CONSTR_CHECK' ? 'CHECK' : undefined;
      if (constraint && kind && constraint.skip_validation !== true) {
        const label = constraint.conname ? ` ${constraint.conname}` : '';
        return [
          {
            rule: this.name,
            message:
              `ADD CONSTRAINT${label} ${kind} checks every row of "${name}" while holding its lock: ` +
              `add it NOT VALID, then VALIDATE CONSTRAINT${label || ' <name>'} in a later migration (it does not block writes)`,
          },
        ];
      }
      if (cmd.subtype === 'AT_SetNotNull' && cmd.name && !file.hasValidatedNotNullCheck(table, cmd.name)) {
        return [
          {
            rule: this.name,
            message:
              `SET NOT NULL on ${cmd.name} scans all of "${name}" under an ACCESS EXCLUSIVE lock: first ADD CONSTRAINT … CHECK (${cmd.name} IS NOT NULL) NOT VALID ` +
              'and VALIDATE CONSTRAINT it (in this file, before the SET NOT NULL): PostgreSQL then skips the scan',
          },
        ];
      }
      return [];
    });
  },
};
