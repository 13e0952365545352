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
  if (!alter || (alter.objtype !== undefined && alter.objtype !== 'OBJECT_TABLE'))
    return { table: undefined, cmds: [] };
  return { table: alter.relation, cmds: (alter.cmds ?? []).flatMap((c) => nodeOf(c, 'AlterTableCmd') ?? []) };
}

/**
 * Every node below `node` (itself included), depth first. An array filled by one recursive walk: the
 * generator it was (`yield*` at every level) cost more than the parse of the whole file.
 */
export function descendants(node: unknown): Readonly<Record<string, unknown>>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value !== null && typeof value === 'object') {
      found.push(value as Record<string, unknown>);
      // Parse trees are JSON: own enumerable keys only, in the order Object.values gives.
      for (const key in value) visit((value as Record<string, unknown>)[key]);
    }
  };
  visit(node);
  return found;
}

/** The column names a constraint expression or key list mentions (`ColumnRef`s, last field). */
export function columnRefs(expr: unknown): string[] {
  const found: string[] = [];
  for (const node of descendants(expr)) {
    const ref = (node as { ColumnRef?: { fields?: Node[] } }).ColumnRef;
    const name = ref ? names(ref.fields).at(-1) : undefined;
    if (name !== undefined && !found.includes(name)) found.push(name);
  }
  return found;
}

/** `col IS NOT NULL` → `col`. */
export function notNullColumn(expr: Node | undefined): string | undefined {
  const test = nodeOf(expr, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  return names(nodeOf(test.arg, 'ColumnRef')?.fields).at(-1);
}

/** The `sval` of a `DefElem` option named `name` in a list (`volatility`, `language`). */
export function optionValue(options: readonly Node[] | undefined, name: string): string | undefined {
  for (const option of options ?? []) {
    const def = nodeOf(option, 'DefElem');
    if (def?.defname === name) return nodeOf(def.arg, 'String')?.sval;
  }
  return undefined;
}

/** Functions called in an expression (qualified name parts), in order. */
export function calledFunctions(expr: unknown): string[][] {
  const calls: string[][] = [];
  for (const node of descendants(expr)) {
    const call = (node as { FuncCall?: { funcname?: Node[] } }).FuncCall;
    if (call) calls.push(names(call.funcname));
  }
  return calls;
}
