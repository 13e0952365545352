/**
 * `transaction-control`: a top-level statement that ends or opens the transaction modkit runs a
 * migration in (SPEC §5) — `COMMIT`, `END`, `ABORT`, `ROLLBACK` (not `ROLLBACK TO SAVEPOINT`),
 * `BEGIN`, `START TRANSACTION`, PostgreSQL's `PREPARE TRANSACTION` — in a file that runs inside one.
 * What came before it would commit (or roll back) without the migration's history row, and what
 * comes after would run outside modkit's transaction: the record of the run would not be true.
 *
 * One implementation for both users: `migrate` and `rollback` refuse such a file before anything
 * runs, on every engine, whatever the lint settings (src/execute/refuse-transaction-control.ts),
 * and `modkit lint` reports the same finding through {@link transactionControl}.
 *
 * What is legal stays legal: PL/pgSQL `BEGIN … END` blocks and `COMMIT` inside a procedure body
 * (never top-level statements), SQLite trigger bodies, MariaDB's `BEGIN NOT ATOMIC … END`,
 * `SAVEPOINT`, `RELEASE`, `ROLLBACK TO SAVEPOINT`, and anything in a no-transaction file.
 *
 * Cheap first: the file is split as it will run (the engine's own splitter) and only statements
 * whose first word could be transaction control are looked at. On PostgreSQL a file with such a
 * candidate is then parsed with PostgreSQL's own parser, whose top-level `TransactionStmt`s are
 * the answer; files without one never load the parser.
 */
import type { Node } from 'libpg-query';
import { splitMysqlStatements } from '../db/mysql/split-mysql.js';
import { splitSqlStatements, type SqlStatement } from '../db/split-sql.js';
import { traitsOf, type Engine, type SqlDialect } from '../engines/engine-table.js';
import { nodeOf } from './pg-ast.js';
import type { LintFinding } from './lint-sql.js';
import { loadPostgresParser } from './postgres-parser.js';
import type { Severity } from '../config/lint-rules.js';
import type { Rule } from './rules/rule.js';

/** One statement that ends or opens modkit's transaction. */
export interface TransactionControlHit {
  /** 1-based line of the statement in the file. */
  readonly line: number;
  /** The statement's kind as written in SQL, e.g. `COMMIT`. */
  readonly statement: string;
  readonly message: string;
}

const FIX =
  'put -- modkit:no-transaction as the first line of the file to run it outside a transaction, where its ' +
  'own BEGIN and COMMIT are its own (or remove the statement)';

/** The one message of the rule, for the lint finding and the refusal alike. */
export function transactionControlMessage(statement: string): string {
  const effect = /^(BEGIN|START)/.test(statement)
    ? `${statement} opens a transaction of its own while modkit runs this migration in one, together with its ` +
      'history row: the migration would not be atomic with its record'
    : `${statement} ends the transaction modkit runs this migration in, together with its history row: what ran ` +
      'before it would be committed (or rolled back) unrecorded, and the rest would run outside that transaction';
  return `${effect}. ${FIX}`;
}

/** PostgreSQL: the `TransactionStmt` kinds that end or open a transaction block. */
const POSTGRES_KINDS: Readonly<Record<string, string>> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
};

/** What a parsed top-level PostgreSQL statement does to the transaction, if it ends or opens one. */
export function postgresTransactionControl(stmt: Node): string | undefined {
  const tx = nodeOf(stmt, 'TransactionStmt');
  const statement = tx?.kind ? POSTGRES_KINDS[tx.kind] : undefined;
  return statement && tx?.chain ? `${statement} AND CHAIN` : statement;
}

/** The lint rule (PostgreSQL's parse tree); the refusal uses the same predicate and message. */
export const transactionControl: Rule = {
  name: 'transaction-control',
  check(stmt, context) {
    // Inside a DO block or a function body, COMMIT is PL/pgSQL's (and legal where PostgreSQL allows it).
    const statement = context.transactional && !context.nested ? postgresTransactionControl(stmt) : undefined;
    return statement ? [{ rule: this.name, message: transactionControlMessage(statement) }] : [];
  },
};

/** How each engine's SQL is split, and what its transaction-control statements look like. */
interface Dialect {
  split(sql: string): readonly SqlStatement[];
  /** From the statement's first words (lower case): the statement's kind when it ends or opens the transaction. */
  classify(words: readonly string[]): string | undefined;
  /** PostgreSQL: candidates are confirmed by the parser. */
  readonly parser?: true;
}

const rollbackUnlessToSavepoint = (words: readonly string[]) => {
  const next = words.slice(1).filter((w) => w !== 'work' && w !== 'transaction')[0];
  return next === 'to' ? undefined : 'ROLLBACK';
};

const DIALECTS: Readonly<Record<SqlDialect, Dialect>> = {
  postgres: {
    split: splitSqlStatements,
    parser: true,
    classify: (words) => {
      const [first, second] = words;
      if (first === 'begin') return 'BEGIN';
      if (first === 'start' && second === 'transaction') return 'START TRANSACTION';
      if (first === 'commit' || first === 'end') return second === 'prepared' ? undefined : first.toUpperCase();
      if (first === 'abort') return 'ABORT';
      if (first === 'rollback') return second === 'prepared' ? undefined : rollbackUnlessToSavepoint(words);
      if (first === 'prepare' && second === 'transaction') return 'PREPARE TRANSACTION';
      return undefined;
    },
  },
  sqlite: {
    split: splitSqlStatements,
    classify: (words) => {
      const [first] = words;
      if (first === 'begin') return 'BEGIN';
      if (first === 'commit' || first === 'end') return first.toUpperCase();
      if (first === 'rollback') return rollbackUnlessToSavepoint(words);
      return undefined;
    },
  },
  mysql: {
    split: splitMysqlStatements,
    classify: (words) => {
      const [first, second] = words;
      // `BEGIN NOT ATOMIC … END` is MariaDB's anonymous compound statement, not a transaction.
      if (first === 'begin') return second === 'not' ? undefined : 'BEGIN';
      if (first === 'start' && second === 'transaction') return 'START TRANSACTION';
      if (first === 'commit') return 'COMMIT';
      if (first === 'rollback') return rollbackUnlessToSavepoint(words);
      return undefined;
    },
  },
};

/** Files with none of these words anywhere need no splitting at all. */
const ANY_KEYWORD = /\b(?:begin|start|commit|end|abort|rollback|prepare)\b/i;

/**
 * The statements of a SQL migration that end or open modkit's transaction, in file order. Call it
 * only for files that run in a transaction. Loads PostgreSQL's parser only for a file with a
 * candidate statement.
 */
export async function findTransactionControl(sql: string, engine: Engine): Promise<TransactionControlHit[]> {
  if (!ANY_KEYWORD.test(sql)) return [];
  const dialect = DIALECTS[traitsOf(engine).sqlDialect];
  const candidates = dialect
    .split(sql)
    .map((s) => ({ line: s.line, statement: dialect.classify(leadingWords(s.text)) }))
    .filter((c): c is { line: number; statement: string } => c.statement !== undefined);
  if (candidates.length === 0) return [];
  const parsed = dialect.parser ? await parsedTransactionControl(sql) : undefined;
  // The parser decides what is a top-level statement; the words as written name it (END, ABORT).
  const confirmed = parsed?.map((p) => candidates.find((c) => c.line === p.line) ?? p) ?? candidates;
  return confirmed.map((c) => ({ ...c, message: transactionControlMessage(c.statement) }));
}

/**
 * PostgreSQL's own answer: the top-level statements of the parsed file. Undefined when the file
 * does not parse (it would fail when run): then the splitter's candidates stand.
 */
async function parsedTransactionControl(sql: string): Promise<{ line: number; statement: string }[] | undefined> {
  const parsed = (await loadPostgresParser()).parse(sql);
  if (!parsed.ok) return undefined;
  const bytes = Buffer.from(sql);
  return parsed.statements.flatMap(({ stmt, start }) => {
    const statement = postgresTransactionControl(stmt);
    return statement ? [{ line: lineOfByte(bytes, start), statement }] : [];
  });
}

function lineOfByte(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line += 1;
  return line;
}

/** The first few words of a statement, lower case, skipping comments between them. */
export function leadingWords(text: string, count = 4): string[] {
  const words: string[] = [];
  const token = /\s+|--[^\n]*|\/\*[\s\S]*?\*\/|([A-Za-z_]+)|(\S)/gy;
  for (let match = token.exec(text); match && words.length < count; match = token.exec(text)) {
    if (match[1]) words.push(match[1].toLowerCase());
    else if (match[2]) break; // punctuation: the words that matter come before any
  }
  return words;
}

/**
 * `modkit lint` on an engine whose migrations PostgreSQL's rules do not apply to: this rule alone,
 * from the same detector the refusal uses, as lint findings of the given severity.
 */
export async function transactionControlFindings(
  sql: string,
  engine: Engine,
  severity: Severity,
): Promise<LintFinding[]> {
  if (severity === 'off') return [];
  const hits = await findTransactionControl(sql, engine);
  return hits.map(({ line, message }) => ({ rule: transactionControl.name, severity, line, message }));
}
