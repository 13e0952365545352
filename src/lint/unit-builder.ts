/**
 * The statements of a file in the order the migration runs them, as the rules will judge them:
 * each top-level statement, followed — for a `DO` block — by the SQL of its body, and — for a call
 * of a PL/pgSQL function or procedure the file created (`SELECT f()`, `CALL p()`, `PERFORM f()`) —
 * by that body, judged against the schema as it is at the call. The body of a function the file
 * never calls stands where the function is created (judged, but it does not run).
 */
import type { Node } from 'libpg-query';
import { calledFunctions, names, nodeOf, optionValue } from './pg-ast.js';
import { readPlPgSqlBody } from './plpgsql.js';
import type { PostgresParser } from './postgres-parser.js';

/** The lines of a top-level statement, for ignore comments: its own, and the last of the one before. */
export interface StatementSpan {
  readonly first: number;
  readonly last: number;
  readonly previousLast: number;
}

/** One statement to judge (`stmt`), or something modkit could not look into (`note`). */
export type LintUnit = {
  readonly line: number;
  readonly span: StatementSpan;
  /** Inside a DO block or a function: where, as a message says it. */
  readonly within?: string;
  /** False for the body of a function this file creates and never calls: judged, but it does not run. */
  readonly runs: boolean;
} & ({ readonly stmt: Node } | { readonly note: string });

const ROW_STATEMENTS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'CopyStmt', 'MergeStmt', 'SelectStmt']);

export class UnitBuilder {
  private readonly items: (LintUnit | { readonly body: string })[] = [];
  /** PL/pgSQL bodies of the functions this file creates, by name. */
  private readonly bodies = new Map<string, { units: LintUnit[]; called: boolean }>();

  constructor(private readonly parser: PostgresParser) {}

  /** Row statements are dropped, unless they call a function this file created. */
  keeps(stmt: Node): boolean {
    const kind = Object.keys(stmt)[0]!;
    if (!ROW_STATEMENTS.has(kind) || nodeOf(stmt, 'SelectStmt')?.intoClause) return true;
    return this.bodies.size > 0 && callsOf(stmt).some((name) => this.bodies.has(name));
  }

  /** Something modkit could not look into, reported where the statement starts. */
  note(span: StatementSpan, note: string): void {
    this.items.push({ line: span.first, span, note, runs: true });
  }

  statement(stmt: Node, span: StatementSpan, text: () => string): void {
    this.push({ stmt, line: span.first, span, runs: true }, new Set());
    const doBlock = nodeOf(stmt, 'DoStmt');
    const fn = nodeOf(stmt, 'CreateFunctionStmt');
    const options = doBlock ? doBlock.args : fn?.options;
    const language = optionValue(options, 'language') ?? (doBlock ? 'plpgsql' : undefined);
    if (language?.toLowerCase() !== 'plpgsql') return;
    const source = text();
    const bodyText = doBlock ? optionValue(options, 'as') : functionBody(options);
    const at = bodyText ? source.indexOf(bodyText) : -1;
    const bodyLine = span.first + (at < 0 ? 0 : countLines(source, at));
    const name = fn ? (names(fn.funcname).at(-1) ?? '?').toLowerCase() : undefined;
    const within = name ? `in function ${name}()` : `in the DO block at line ${span.first}`;
    const units: LintUnit[] = [];
    try {
      for (const item of readPlPgSqlBody(this.parser, source, bodyLine)) {
        const base = { line: item.line, span, within, runs: true };
        units.push(
          item.kind === 'sql'
            ? { ...base, stmt: item.stmt }
            : {
                ...base,
                note: `EXECUTE of a computed string (${item.what}): modkit cannot see what it runs; check it by hand`,
              },
        );
      }
    } catch (error) {
      units.push({
        line: bodyLine,
        span,
        within,
        runs: true,
        note: `the PL/pgSQL does not parse (${(error as Error).message}): its statements are not linted`,
      });
    }
    if (name) {
      this.bodies.set(name, { units, called: false });
      this.items.push({ body: name });
      return;
    }
    for (const unit of units) {
      if ('stmt' in unit) this.push(unit, new Set());
      else this.items.push(unit);
    }
  }

  /** Adds a unit, then the body of every function of this file it calls (each once per call chain). */
  private push(unit: LintUnit, visited: ReadonlySet<string>): void {
    this.items.push(unit);
    if (!('stmt' in unit) || this.bodies.size === 0) return;
    for (const name of callsOf(unit.stmt)) {
      const body = this.bodies.get(name);
      if (!body || visited.has(name)) continue;
      body.called = true;
      for (const inner of body.units) {
        const within = `in function ${name}() at line ${inner.line}, called here`;
        const spliced = { ...inner, line: unit.line, span: unit.span, within, runs: unit.runs };
        if ('stmt' in spliced) this.push(spliced, new Set([...visited, name]));
        else this.items.push(spliced);
      }
    }
  }

  /** The units in order; the body of a function never called stands where it was created. */
  finish(): LintUnit[] {
    return this.items.flatMap((item) => {
      if (!('body' in item)) return [item];
      const body = this.bodies.get(item.body)!;
      return body.called
        ? []
        : body.units.map((u) => ({ ...u, runs: false, within: `${u.within} (not called in this file)` }));
    });
  }
}

function functionBody(options: readonly Node[] | undefined): string | undefined {
  for (const option of options ?? []) {
    const def = nodeOf(option, 'DefElem');
    if (def?.defname === 'as') return names(nodeOf(def.arg, 'List')?.items)[0];
  }
  return undefined;
}

function countLines(text: string, end: number): number {
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/** Bare names of the functions a statement calls (FuncCall anywhere, CALL). */
function callsOf(stmt: Node): string[] {
  const call = nodeOf(stmt, 'CallStmt')?.funccall;
  const parts = [...(call ? [names(call.funcname)] : []), ...calledFunctions(stmt)];
  return parts.map((p) => (p.at(-1) ?? '').toLowerCase());
}
