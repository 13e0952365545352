/**
 * Small helpers over libpg-query's parse tree (PostgreSQL's own node types as JSON: every node is
 * an object with one key, its type name). Type-only imports: nothing here loads the parser.
 */
import type { AlterTableCmd, AlterTableStmt, Node, RangeVar } from 'libpg-query';

/** The node of type `kind` inside a wrapper, e.g. `nodeOf(stmt, 'IndexStmt')`. */
export function nodeOf<K extends NodeKind>(node: Node | undefined, kind: K): NodeBody<K> | undefined {
  return node !== undefined && kind in node ? (node as unknown as Record<K, NodeBody<K>>)[kind] : undefined;
}

type AllKeys<T> = T extends unknown ? keyof T : never;
export type NodeKind = AllKeys<Node>;
export type NodeBody<K extends NodeKind> = Extract<Node, Record<K, unknown>>[K];

/** A table's name as written: `schema.table` or `table`, lower case as PostgreSQL folds it. */
export function tableName(relation: RangeVar | undefined): string {
  if (!relation?.relname) return '?';
  return relation.schemaname ? `${relation.schemaname}.${relation.relname}` : relation.relname;
}

/** The `sval`s of a list of `String` nodes (qualified names, column lists). */
export function names(list: readonly Node[] | undefined): string[] {
  return (list ?? []).flatMap((n) => {
    const s = nodeOf(n, 'String')?.sval;
    return s === undefined ? [] : [s];
  });
}

/** The `ALTER TABLE` commands of a statement with their table, or none. */
export function alterCommands(stmt: Node): { table: RangeVar | undefined; cmds: AlterTableCmd[] } {
  const alter: AlterTableStmt | undefined = nodeOf(stmt, 'AlterTableStmt');
  if (!alter || (alter.objtype !== undefined && alter.objtype !== 'OBJECT_TABLE')) return { table: undefined, cmds: [] };
  return { table: alter.relation, cmds: (alter.cmds ?? []).flatMap((c) => nodeOf(c, 'AlterTableCmd') ?? []) };
}

/** Every node below `node` (itself included), depth first. */
export function* descendants(node: unknown): Generator<Readonly<Record<string, unknown>>> {
  if (Array.isArray(node)) {
    for (const item of node) yield* descendants(item);
  } else if (node !== null && typeof node === 'object') {
    yield node as Record<string, unknown>;
    for (const value of Object.values(node)) yield* descendants(value);
  }
}
