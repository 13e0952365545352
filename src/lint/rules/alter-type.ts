/**
 * What `ALTER COLUMN … TYPE` does to the table, from the column's current type when the schema
 * model knows it: a rewrite, a rebuild of the column's indexes (a collation change), or nothing.
 * Shared by `table-rewrite` and `blocking-lock`.
 */
import type { AlterTableCmd, ColumnDef, Node, RangeVar } from 'libpg-query';
import { names, nodeOf } from '../pg-ast.js';
import { typeFromNode, type ColumnType } from '../schema/column-type.js';
import type { SchemaModel } from '../schema/schema-model.js';
import { judgeTypeChange } from '../schema/type-change.js';

export type AlterTypeEffect =
  | { readonly kind: 'rewrite'; readonly to: ColumnType; readonly from?: ColumnType; readonly why?: string }
  | { readonly kind: 'indexes'; readonly indexes: readonly string[]; readonly collation: string }
  | { readonly kind: 'none' };

/** Without the current type, targets that are usually a widening stay quiet (the lint of old). */
const USUALLY_WIDENING = new Set(['text', 'varchar', 'citext']);

export function alterTypeEffect(cmd: AlterTableCmd, table: RangeVar, schema: SchemaModel): AlterTypeEffect {
  const def = nodeOf(cmd.def, 'ColumnDef');
  const to = typeFromNode(def?.typeName);
  if (!def || !to || !cmd.name) return { kind: 'none' };
  if (def.raw_default && !keepsValue(def.raw_default, cmd.name, def))
    return { kind: 'rewrite', to, why: 'USING computes every row' };
  const current = schema.table(table)?.columns?.get(cmd.name);
  if (!current) {
    const widening = !to.array && (USUALLY_WIDENING.has(to.name) || (to.name === 'numeric' && to.mods.length === 0));
    return widening ? { kind: 'none' } : { kind: 'rewrite', to };
  }
  const verdict = judgeTypeChange(current.type, to, schema);
  if (verdict.rewrite) return { kind: 'rewrite', to, from: current.type, ...(verdict.why ? { why: verdict.why } : {}) };
  const collation = names(def.collClause?.collname).at(-1);
  if (collation === undefined || collation === (current.collation ?? 'default')) return { kind: 'none' };
  const indexes = schema.indexesOn(schema.tableKey(table), cmd.name);
  return indexes.length > 0 ? { kind: 'indexes', indexes, collation } : { kind: 'none' };
}

/** `USING col` or `USING col::<the new type>`: the same as no USING. */
function keepsValue(expr: Node, column: string, def: ColumnDef): boolean {
  const cast = nodeOf(expr, 'TypeCast');
  const inner = cast ? cast.arg : expr;
  if (cast && names(cast.typeName?.names).at(-1) !== names(def.typeName?.names).at(-1)) return false;
  const ref = names(nodeOf(inner, 'ColumnRef')?.fields);
  return ref.length > 0 && ref.at(-1) === column;
}
