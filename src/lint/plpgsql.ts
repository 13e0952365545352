/**
 * The SQL inside a `DO` block or a `LANGUAGE plpgsql` function, found with PostgreSQL's own
 * PL/pgSQL parser (libpg-query): static statements (and PERFORM / CALL), and `EXECUTE` of a
 * string constant, each parsed as SQL with its line; `EXECUTE` of a computed string is reported
 * as something modkit cannot look into.
 */
import type { Node } from 'libpg-query';
import { nodeOf } from './pg-ast.js';
import type { PostgresParser } from './postgres-parser.js';

export type BodyItem =
  | { readonly kind: 'sql'; readonly stmt: Node; readonly line: number }
  | { readonly kind: 'dynamic'; readonly line: number; readonly what: string };

interface PlExpr {
  readonly PLpgSQL_expr?: { readonly query?: string };
}

/**
 * The items of the PL/pgSQL body of `statementText`, in the order they stand; `bodyLine` is the
 * file's line where the body's text starts (PL/pgSQL numbers its lines from there). Throws with
 * PL/pgSQL's message when the body does not parse.
 */
export function readPlPgSqlBody(parser: PostgresParser, statementText: string, bodyLine: number): BodyItem[] {
  const tree = parser.parsePlPgSQL(statementText);
  const items: BodyItem[] = [];
  const lineOf = (lineno: unknown) => bodyLine + (typeof lineno === 'number' && lineno > 0 ? lineno - 1 : 0);
  const addSql = (query: string | undefined, line: number) => {
    if (!query) return;
    const parsed = parser.parse(query);
    // PL/pgSQL accepted it; text the SQL grammar refuses (PL/pgSQL-only syntax) is not ours to judge.
    if (parsed.ok) for (const s of parsed.statements) items.push({ kind: 'sql', stmt: s.stmt, line });
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const stmt = value as { lineno?: number; sqlstmt?: PlExpr; expr?: PlExpr; query?: PlExpr };
      const line = lineOf(stmt?.lineno);
      if (key === 'PLpgSQL_stmt_execsql') addSql(stmt.sqlstmt?.PLpgSQL_expr?.query, line);
      else if (key === 'PLpgSQL_stmt_perform' || key === 'PLpgSQL_stmt_call')
        addSql(stmt.expr?.PLpgSQL_expr?.query, line);
      else if (key === 'PLpgSQL_stmt_dynexecute' || key === 'PLpgSQL_stmt_dynfors') {
        const expr = stmt.query?.PLpgSQL_expr?.query ?? '';
        const constant = constantString(parser, expr);
        if (constant !== undefined) addSql(constant, line);
        else items.push({ kind: 'dynamic', line, what: expr.length > 60 ? `${expr.slice(0, 57)}…` : expr });
      }
      if (key !== 'PLpgSQL_expr') visit(value);
    }
  };
  visit(tree.plpgsql_funcs);
  return items;
}

/** The value of a PL/pgSQL expression that is a string constant (or constants joined with `||`). */
function constantString(parser: PostgresParser, expr: string): string | undefined {
  const parsed = parser.parse(`SELECT ${expr}`);
  if (!parsed.ok || parsed.statements.length !== 1) return undefined;
  const target = nodeOf(parsed.statements[0]!.stmt, 'SelectStmt')?.targetList;
  if (target?.length !== 1) return undefined;
  return stringValue(nodeOf(target[0], 'ResTarget')?.val);
}

function stringValue(node: Node | undefined): string | undefined {
  const constant = nodeOf(node, 'A_Const');
  if (constant) return constant.sval?.sval;
  const op = nodeOf(node, 'A_Expr');
  if (op?.kind !== 'AEXPR_OP' || nodeOf(op.name?.[0], 'String')?.sval !== '||') return undefined;
  const left = stringValue(op.lexpr);
  const right = stringValue(op.rexpr);
  return left !== undefined && right !== undefined ? left + right : undefined;
}
