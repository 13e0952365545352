/**
 * The first half of linting a file: parse it (in bounded memory, ./parse-statements.ts) into the
 * statements the rules will judge, in the order the migration runs them. Inside a `DO` block the
 * static SQL and `EXECUTE` of constant strings follow the block; the body of a PL/pgSQL function
 * or procedure follows each call of it in the same file (`SELECT f()`, `CALL p()`, `PERFORM f()`),
 * or, when the file never calls it, stands where it is created (judged, not run). Row statements
 * (INSERT, UPDATE, COPY … of a data load) are dropped once parsed: no rule looks at them.
 * Pure apart from the parser, which the caller loads; the result is reused by every target of a fleet.
 */
import type { Node } from 'libpg-query';
import { readIgnoreComments, type IgnoreComment, type IgnoreProblem } from './ignore-comments.js';
import { descendants, names, nodeOf, optionValue } from './pg-ast.js';
import { parseStatements, STATEMENT_LIMIT, type SqlSource } from './parse-statements.js';
import { CARRY_LIMIT } from './segments.js';
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

export interface PreparedFile {
  readonly transactional: boolean;
  readonly units: readonly LintUnit[];
  readonly ignores: readonly IgnoreComment[];
  readonly ignoreProblems: readonly IgnoreProblem[];
  /** The parser refused the file: nothing of it is judged. */
  readonly syntax?: { readonly line: number; readonly message: string };
  /** Ignore comments above this line cover the whole file. */
  readonly firstStatementLine: number | undefined;
}

const ROW_STATEMENTS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'CopyStmt', 'MergeStmt', 'SelectStmt']);

export function prepareFile(source: string | SqlSource, transactional: boolean, parser: PostgresParser): PreparedFile {
  const ignores: IgnoreComment[] = [];
  const problems: IgnoreProblem[] = [];
  const readIgnores = (text: string, line: number) => {
    const found = readIgnoreComments(text);
    ignores.push(...found.ignores.map((i) => ({ ...i, line: i.line + line - 1 })));
    problems.push(...found.problems.map((p) => ({ ...p, line: p.line + line - 1 })));
  };
  const builder = new UnitBuilder(parser);
  let previousLast = 0;
  /** The row statements of a data load, counted instead of parsed (./parse-statements.ts). */
  const rows: { count: number; chars: number; span?: StatementSpan } = { count: 0, chars: 0 };
  let firstStatementLine: number | undefined;
  let size = 0;
  const onText = (text: string, line: number) => {
    size += text.length;
    readIgnores(text, line);
  };
  for (const item of parseStatements(typeof source === 'string' ? { sql: source } : source, parser, onText)) {
    if (item.kind === 'syntax') {
      return { transactional, units: [], ignores, ignoreProblems: problems, syntax: item, firstStatementLine };
    }
    const span = {
      first: item.kind === 'statement' ? item.first : item.line,
      last: item.kind === 'statement' ? item.last : item.line,
      previousLast,
    };
    firstStatementLine ??= span.first;
    previousLast = span.last;
    if (item.kind === 'skipped' && item.why === 'size') {
      builder.note(
        span,
        `the statement at line ${item.line} is ${megabytes(item.chars)}, over the ${STATEMENT_LIMIT >> 20} MB ` +
          `modkit parses: not linted`,
      );
    } else if (item.kind === 'skipped' && item.why === 'rest') {
      builder.note(
        span,
        `the statement at line ${item.line} runs past ${CARRY_LIMIT >> 20} MB: the file from there on ` +
          `(${megabytes(item.chars)}) was not read, and is not linted`,
      );
    } else if (item.kind === 'skipped') {
      rows.count++;
      rows.chars += item.chars;
      rows.span ??= span;
    } else if (builder.keeps(item.stmt)) {
      builder.statement(item.stmt, span, item.text);
    }
  }
  if (rows.span) {
    builder.note(
      rows.span,
      `${rows.count === 1 ? '1 row statement' : `${rows.count} row statements`} (INSERT, COPY, UPDATE, DELETE: ` +
        `${megabytes(rows.chars)}) of this ${megabytes(size)} file ` +
        `${rows.count === 1 ? 'was' : 'were'} not parsed: a file over 1 MB is linted statement by statement without ` +
        `its data, which no rule looks at (PostgreSQL still checks its syntax when it runs)`,
    );
  }
  return { transactional, units: builder.finish(), ignores, ignoreProblems: problems, firstStatementLine };
}

class UnitBuilder {
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

  note(span: StatementSpan, note: string, within?: string, line = span.first): void {
    this.items.push({ line, span, note, runs: true, ...(within ? { within } : {}) });
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

function megabytes(chars: number): string {
  return `${(chars / (1 << 20)).toFixed(1)} MB`;
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
  const calls: string[] = [];
  const call = nodeOf(stmt, 'CallStmt')?.funccall;
  if (call) calls.push((names(call.funcname).at(-1) ?? '').toLowerCase());
  for (const node of descendants(stmt)) {
    const fn = (node as { FuncCall?: { funcname?: Node[] } }).FuncCall;
    if (fn) calls.push((names(fn.funcname).at(-1) ?? '').toLowerCase());
  }
  return calls;
}

/**
 * Every relation name (`relname` anywhere, DROP's object names) and called function the file's
 * statements mention: what migrate asks the live catalog about.
 */
export function mentionedNames(file: PreparedFile, relations: Set<string>, functions: Set<string>): void {
  for (const unit of file.units) {
    if (!('stmt' in unit)) continue;
    for (const node of descendants(unit.stmt)) {
      if (typeof node.relname === 'string') relations.add(node.relname);
      const fn = (node as { FuncCall?: { funcname?: Node[] } }).FuncCall;
      if (fn) functions.add(names(fn.funcname).at(-1) ?? '');
    }
    for (const object of nodeOf(unit.stmt, 'DropStmt')?.objects ?? []) {
      const name = names(nodeOf(object, 'List')?.items).at(-1);
      if (name) relations.add(name);
    }
  }
}
