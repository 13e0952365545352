/**
 * What a migration file did before the statement being checked: the tables it created (empty,
 * and unseen by the application still running, so locks and rewrites on them cost nothing) and
 * the `CHECK (col IS NOT NULL)` constraints it added and validated (which make `SET NOT NULL`
 * skip its table scan).
 */
import type { Node, RangeVar } from 'libpg-query';
import { alterCommands, names, nodeOf } from './pg-ast.js';

export interface FileContext {
  /** False when the file carries a no-transaction marker (or its inline migration says so). */
  readonly transactional: boolean;
  /** True when an earlier statement of this file created `table`. */
  createdByFile(table: RangeVar | undefined): boolean;
  /** True when an earlier statement of this file added, and validated, `CHECK (column IS NOT NULL)` on `table`. */
  hasValidatedNotNullCheck(table: RangeVar | undefined, column: string): boolean;
}

interface NotNullCheck {
  readonly table: RangeVar;
  readonly column: string;
  readonly name: string | undefined;
  validated: boolean;
}

export class FileState implements FileContext {
  private readonly created: RangeVar[] = [];
  private readonly checks: NotNullCheck[] = [];

  constructor(readonly transactional: boolean) {}

  createdByFile(table: RangeVar | undefined): boolean {
    return table !== undefined && this.created.some((t) => sameTable(t, table));
  }

  hasValidatedNotNullCheck(table: RangeVar | undefined, column: string): boolean {
    return table !== undefined && this.checks.some((c) => c.validated && c.column === column && sameTable(c.table, table));
  }

  /** Takes note of what `stmt` creates or validates, after its own checks ran. */
  record(stmt: Node): void {
    const created = nodeOf(stmt, 'CreateStmt')?.relation ?? nodeOf(stmt, 'CreateTableAsStmt')?.into?.rel;
    if (created) this.created.push(created);
    const { table, cmds } = alterCommands(stmt);
    if (!table) return;
    for (const cmd of cmds) {
      const constraint = nodeOf(cmd.def, 'Constraint');
      if (cmd.subtype === 'AT_AddConstraint' && constraint?.contype === 'CONSTR_CHECK') {
        const column = notNullColumn(constraint.raw_expr);
        if (column) this.checks.push({ table, column, name: constraint.conname, validated: constraint.skip_validation !== true });
      }
      if (cmd.subtype === 'AT_ValidateConstraint') {
        for (const check of this.checks) if (check.name === cmd.name && sameTable(check.table, table)) check.validated = true;
      }
    }
  }
}

/** `col IS NOT NULL` → `col`. */
function notNullColumn(expr: Node | undefined): string | undefined {
  const test = nodeOf(expr, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = names(nodeOf(test.arg, 'ColumnRef')?.fields);
  return fields.at(-1);
}

/** Same table when the names match and, where both name a schema, the schemas too. */
function sameTable(a: RangeVar, b: RangeVar): boolean {
  return a.relname === b.relname && (a.schemaname === undefined || b.schemaname === undefined || a.schemaname === b.schemaname);
}
