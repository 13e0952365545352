/**
 * The first half of linting a file: parse it (in bounded memory, ./parse-statements.ts) into the
 * statements the rules will judge, in the order the migration runs them (./unit-builder.ts: DO
 * blocks and PL/pgSQL bodies included), with its ignore comments and what could not be looked
 * into. Row statements (INSERT, UPDATE, COPY … of a data load) are dropped once parsed: no rule
 * looks at them. Pure apart from the parser, which the caller loads; the result is reused by every
 * target of a fleet.
 */
import { readIgnoreComments, type IgnoreComment, type IgnoreProblem } from './ignore-comments.js';
import type { Node } from 'libpg-query';
import { descendants, names, nodeOf } from './pg-ast.js';
import { parseStatements, STATEMENT_LIMIT, type SqlSource } from './parse-statements.js';
import type { PostgresParser } from './postgres-parser.js';
import { CARRY_LIMIT } from './segments.js';
import { UnitBuilder, type LintUnit, type StatementSpan } from './unit-builder.js';

export type { LintUnit, StatementSpan } from './unit-builder.js';

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

function megabytes(chars: number): string {
  return `${(chars / (1 << 20)).toFixed(1)} MB`;
}

/** What migrate asks the live catalog about (src/db/lint-catalog.ts). */
export interface MentionedNames {
  readonly relations: Set<string>;
  readonly functions: Set<string>;
  readonly schemas: Set<string>;
  readonly types: Set<string>;
}

/**
 * Every relation name (`relname` anywhere, DROP's object names) and called function the file's
 * statements mention, and every schema they name (a qualified relation, function or type, `SET
 * search_path`): what migrate asks the live catalog about.
 */
export function mentionedNames(file: PreparedFile, { relations, functions, schemas, types }: MentionedNames): void {
  for (const unit of file.units) {
    if (!('stmt' in unit)) continue;
    // One walk for everything (calledFunctions would walk the tree again).
    for (const node of descendants(unit.stmt)) {
      if (typeof node.relname === 'string') relations.add(node.relname);
      if (typeof node.schemaname === 'string' && node.schemaname) schemas.add(node.schemaname);
      // A TypeName sits unwrapped in its parent (`typeName: { names, typemod }`): `schema.domain`.
      const typeParts = 'typemod' in node && Array.isArray(node.names) ? names(node.names as Node[]) : [];
      // Built-in types come qualified with pg_catalog (the parser's `int`), never a domain.
      if (typeParts.length > 0 && typeParts[0] !== 'pg_catalog') types.add(typeParts.at(-1)!);
      if (typeParts.length > 1) schemas.add(typeParts[0]!);
      const call = node.FuncCall as { funcname?: Node[] } | undefined;
      const parts = call ? names(call.funcname) : [];
      if (call) functions.add(parts.at(-1) ?? '');
      if (parts.length > 1) schemas.add(parts[0]!);
    }
    for (const object of nodeOf(unit.stmt, 'DropStmt')?.objects ?? []) {
      const parts = names(nodeOf(object, 'List')?.items);
      if (parts.at(-1)) relations.add(parts.at(-1)!);
      if (parts.length > 1) schemas.add(parts.at(-2)!);
    }
    // ALTER DOMAIN names its domain as a list of names, not a TypeName.
    const domain = names(nodeOf(unit.stmt, 'AlterDomainStmt')?.typeName);
    if (domain.length > 0) types.add(domain.at(-1)!);
    if (domain.length > 1) schemas.add(domain[0]!);
    const set = nodeOf(unit.stmt, 'VariableSetStmt');
    if (set?.name === 'search_path') {
      for (const arg of set.args ?? []) {
        const schema = nodeOf(arg, 'A_Const')?.sval?.sval;
        if (schema) schemas.add(schema);
      }
    }
  }
}
