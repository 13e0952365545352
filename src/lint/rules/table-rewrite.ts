/**
 * `table-rewrite`: statements that rewrite every row of a table under an ACCESS EXCLUSIVE lock
 * (no reads, no writes, for as long as the copy takes). A table this file created is empty: no warning.
 */
import type { ColumnDef, Node, RangeVar } from 'libpg-query';
import { alterCommands, descendants, names, nodeOf, tableName } from '../pg-ast.js';
import type { RuleHit, Rule } from './rule.js';

/**
 * Types a column can change to without a rewrite from the types they usually widen: any
 * `varchar(n)` → `varchar(m ≥ n)` / `varchar` / `text`, `numeric(p,s)` → `numeric`. The parser sees
 * the new type only; narrowing a varchar is not caught.
 */
const BINARY_COMPATIBLE_TARGETS = new Set(['text', 'varchar', 'citext']);

/**
 * Functions PostgreSQL marks volatile that people use as defaults: a volatile default is computed
 * for every existing row (a rewrite). `now()`, `current_timestamp` and constants are not volatile:
 * since PostgreSQL 11 such a default is stored once and costs nothing.
 */
const VOLATILE = new Set(['random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7', 'clock_timestamp', 'timeofday', 'nextval', 'txid_current', 'random_normal']);
const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

const FIX_TYPE = 'add a new column of the new type, fill it in batches, and switch the application to it';
const FIX_DEFAULT = 'add the column without a default (or with a constant one), then backfill it in batches';

export const tableRewrite: Rule = {
  name: 'table-rewrite',
  check(stmt, file) {
    const hit = (table: RangeVar | undefined, what: string, fix: string): RuleHit[] =>
      file.createdByFile(table) ? [] : [{ rule: this.name, message: `${what} rewrites all of "${tableName(table)}" under an ACCESS EXCLUSIVE lock: ${fix}` }];
    const cluster = nodeOf(stmt, 'ClusterStmt');
    if (cluster?.relation) return hit(cluster.relation, 'CLUSTER', 'use pg_repack, or run it in a maintenance window');
    const vacuum = nodeOf(stmt, 'VacuumStmt');
    if (vacuum?.is_vacuumcmd && vacuum.options?.some((o) => isFull(o))) {
      const relations = (vacuum.rels ?? []).flatMap((r) => nodeOf(r, 'VacuumRelation')?.relation ?? []);
      return (relations.length > 0 ? relations : [undefined]).flatMap((r) => hit(r, 'VACUUM FULL', 'use pg_repack, or a plain VACUUM'));
    }
    const { table, cmds } = alterCommands(stmt);
    return cmds.flatMap((cmd): RuleHit[] => {
      const column = nodeOf(cmd.def, 'ColumnDef');
      if (cmd.subtype === 'AT_AlterColumnType' && column && !binaryCompatible(column)) {
        return hit(table, `ALTER COLUMN ${cmd.name ?? '?'} TYPE ${typeText(column)}`, FIX_TYPE);
      }
      if (cmd.subtype === 'AT_AddColumn' && column) {
        const why = rewritingDefault(column);
        if (why) return hit(table, `ADD COLUMN ${column.colname ?? '?'} with ${why}`, FIX_DEFAULT);
      }
      if (cmd.subtype === 'AT_SetLogged' || cmd.subtype === 'AT_SetUnLogged') {
        return hit(table, cmd.subtype === 'AT_SetLogged' ? 'SET LOGGED' : 'SET UNLOGGED', 'avoid it on a live table, or run it in a maintenance window');
      }
      return [];
    });
  },
};

function isFull(option: Node): boolean {
  const def = nodeOf(option, 'DefElem');
  if (def?.defname !== 'full') return false;
  const arg = def.arg;
  return arg === undefined || nodeOf(arg, 'Boolean')?.boolval !== false;
}

function typeText(column: ColumnDef): string {
  const type = names(column.typeName?.names).filter((n) => n !== 'pg_catalog').join('.');
  return column.typeName?.typmods?.length ? `${type}(…)` : type;
}

function binaryCompatible(column: ColumnDef): boolean {
  if (column.raw_default) return false; // USING …: computed for every row
  const type = names(column.typeName?.names).at(-1) ?? '';
  if (column.typeName?.arrayBounds?.length) return false;
  return BINARY_COMPATIBLE_TARGETS.has(type) || (type === 'numeric' && !column.typeName?.typmods?.length);
}

/** Why adding this column rewrites the table, if it does. */
function rewritingDefault(column: ColumnDef): string | undefined {
  const type = names(column.typeName?.names).at(-1) ?? '';
  if (SERIAL_TYPES.has(type)) return `type ${type} (a sequence default, computed per row)`;
  for (const c of column.constraints ?? []) {
    const constraint = nodeOf(c, 'Constraint');
    if (constraint?.contype === 'CONSTR_IDENTITY') return 'GENERATED AS IDENTITY (computed per row)';
    if (constraint?.contype === 'CONSTR_GENERATED' && constraint.generated_kind !== 'v') return 'a stored GENERATED expression';
    if (constraint?.contype === 'CONSTR_DEFAULT') {
      const volatile = volatileCall(constraint.raw_expr);
      if (volatile) return `the volatile default ${volatile}() (computed per row)`;
    }
  }
  return undefined;
}

function volatileCall(expr: Node | undefined): string | undefined {
  for (const node of descendants(expr)) {
    const call = (node as { FuncCall?: { funcname?: Node[] } }).FuncCall;
    const name = call ? names(call.funcname).at(-1) : undefined;
    if (name && VOLATILE.has(name.toLowerCase())) return name;
  }
  return undefined;
}
