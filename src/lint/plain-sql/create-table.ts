/**
 * The lint's fast path for the most common migration: a file of nothing but plain `CREATE TABLE`s
 * (columns of common types with NOT NULL, NULL, PRIMARY KEY, UNIQUE or a literal DEFAULT, and
 * PRIMARY KEY / UNIQUE table constraints). For such a file it returns what PostgreSQL's parser
 * (../postgres-parser.ts) returns, node for node and offset for offset, so the rules and the schema
 * model see exactly what they would see, and the WebAssembly parser is neither loaded (≈ 50 MB of
 * memory) nor run. Anything else — any other statement, clause, type spelling or token — makes it
 * return undefined, and the caller parses the file with the real parser: it accepts only text the
 * real parser accepts, so no syntax error goes unreported. test/unit/lint-plain-create-table.test.ts
 * compares the two on generated and mutated files.
 */
import type { Node } from 'libpg-query';
import type { ParseOutcome, ParsedStatement } from '../postgres-parser.js';
import { isPlainName } from './keywords.js';
import { scanPlainSql, type Token } from './tokens.js';

/** Type spellings that are keywords, with the catalog type the grammar makes of them. */
const KEYWORD_TYPES: readonly (readonly [words: readonly string[], type: string, modifiers: number])[] = [
  [['double', 'precision'], 'float8', 0],
  [['character', 'varying'], 'varchar', 1],
  [['timestamp', 'without', 'time', 'zone'], 'timestamp', 0],
  [['timestamp', 'with', 'time', 'zone'], 'timestamptz', 0],
  [['timestamp'], 'timestamp', 0],
  [['integer'], 'int4', 0],
  [['int'], 'int4', 0],
  [['smallint'], 'int2', 0],
  [['bigint'], 'int8', 0],
  [['real'], 'float4', 0],
  [['float'], 'float8', 0],
  [['boolean'], 'bool', 0],
  [['varchar'], 'varchar', 1],
  [['numeric'], 'numeric', 2],
  [['decimal'], 'numeric', 2],
];

/** The spellings by their first word: a column's type is looked up once, not tried against every spelling. */
const BY_FIRST_WORD = new Map<string, (typeof KEYWORD_TYPES)[number][]>();
for (const entry of KEYWORD_TYPES) {
  const first = entry[0][0]!;
  BY_FIRST_WORD.set(first, [...(BY_FIRST_WORD.get(first) ?? []), entry]);
}

class Refused extends Error {}

/** The parse of `sql` when it is only plain CREATE TABLE statements; undefined otherwise. */
export function parsePlainCreateTables(sql: string): ParseOutcome | undefined {
  const scanned = scanPlainSql(sql);
  if (!scanned || scanned.tokens.length === 0) return undefined;
  try {
    return { ok: true, statements: new Reader(scanned.tokens, scanned.bytes).statements() };
  } catch (error) {
    if (error instanceof Refused) return undefined;
    throw error;
  }
}

class Reader {
  private i = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly bytes: number,
  ) {}

  statements(): ParsedStatement[] {
    const found: ParsedStatement[] = [];
    while (this.i < this.tokens.length) {
      const start = this.peek().at;
      const stmt = this.createTable();
      const end = this.i < this.tokens.length ? this.punct(';').at : this.bytes;
      found.push({ stmt, start, end });
    }
    return found;
  }

  private createTable(): Node {
    this.word('create');
    this.word('table');
    let ifNotExists = false;
    if (this.isWord('if')) {
      this.word('if');
      this.word('not');
      this.word('exists');
      ifNotExists = true;
    }
    const first = this.name();
    let relation: Record<string, unknown> = { relname: first.text, inh: true, relpersistence: 'p', location: first.at };
    if (this.eat('.')) {
      const relname = this.name().text;
      relation = { schemaname: first.text, relname, inh: true, relpersistence: 'p', location: first.at };
    }
    this.punct('(');
    const elements: Node[] = [];
    do elements.push(this.element());
    while (this.eat(','));
    this.punct(')');
    return {
      CreateStmt: {
        relation,
        tableElts: elements,
        oncommit: 'ONCOMMIT_NOOP',
        ...(ifNotExists ? { if_not_exists: true } : {}),
      },
    } as unknown as Node;
  }

  private element(): Node {
    if (this.isWord('primary') || this.isWord('unique')) {
      const at = this.peek().at;
      const contype = this.keyConstraint();
      this.punct('(');
      const keys: Node[] = [];
      do keys.push(str(this.name().text));
      while (this.eat(','));
      this.punct(')');
      return { Constraint: { contype, keys, location: at } } as unknown as Node;
    }
    const column = this.name();
    const typeName = this.typeName();
    const constraints: Node[] = [];
    while (!this.isPunct(',') && !this.isPunct(')')) constraints.push(this.columnConstraint());
    return {
      ColumnDef: {
        colname: column.text,
        typeName,
        is_local: true,
        ...(constraints.length > 0 ? { constraints } : {}),
        location: column.at,
      },
    } as unknown as Node;
  }

  private typeName(): Record<string, unknown> {
    const at = this.peek().at;
    const first = this.peek();
    const candidates = first.kind === 'word' ? BY_FIRST_WORD.get(first.text) : undefined;
    // Longest spelling first (the list's order): `timestamp with time zone` before `timestamp`.
    const known = candidates?.find(([words]) => words.every((w, k) => this.isWord(w, k)));
    let names: Node[];
    const typmods: Node[] = [];
    if (known) {
      this.i += known[0].length;
      names = [str('pg_catalog'), str(known[1])];
      if (known[2] > 0 && this.eat('(')) {
        do typmods.push(intConst(this.int()));
        while (typmods.length < known[2] && this.eat(','));
        this.punct(')');
      }
    } else {
      names = [str(this.name().text)];
    }
    let array = false;
    if (this.eat('[')) {
      this.punct(']');
      array = true;
    }
    return {
      names,
      ...(typmods.length > 0 ? { typmods } : {}),
      typemod: -1,
      ...(array ? { arrayBounds: [{ Integer: { ival: -1 } }] } : {}),
      location: at,
    };
  }

  private columnConstraint(): Node {
    const at = this.peek().at;
    let constraint: Record<string, unknown>;
    if (this.isWord('not')) {
      this.i++;
      this.word('null');
      constraint = { contype: 'CONSTR_NOTNULL', is_enforced: true, initially_valid: true, location: at };
    } else if (this.isWord('null')) {
      this.i++;
      constraint = { contype: 'CONSTR_NULL', location: at };
    } else if (this.isWord('default')) {
      this.i++;
      constraint = { contype: 'CONSTR_DEFAULT', raw_expr: this.literal(), location: at };
    } else {
      constraint = { contype: this.keyConstraint(), location: at };
    }
    return { Constraint: constraint } as unknown as Node;
  }

  private keyConstraint(): string {
    if (this.isWord('unique')) {
      this.i++;
      return 'CONSTR_UNIQUE';
    }
    this.word('primary');
    this.word('key');
    return 'CONSTR_PRIMARY';
  }

  /** A DEFAULT that is an unsigned integer, a plain string, TRUE or FALSE (the parser's JSON drops a 0 and a false). */
  private literal(): Node {
    const token = this.next();
    if (token.kind === 'int') return intConst(token);
    if (token.kind === 'string') return { A_Const: { sval: { sval: token.value }, location: token.at } } as Node;
    if (token.kind === 'word' && (token.text === 'true' || token.text === 'false'))
      return { A_Const: { boolval: token.text === 'true' ? { boolval: true } : {}, location: token.at } } as Node;
    throw new Refused();
  }

  private name(): { text: string; at: number } {
    const token = this.next();
    if (token.kind !== 'word' || !isPlainName(token.text)) throw new Refused();
    return token;
  }

  private int(): { value: number; at: number } {
    const token = this.next();
    if (token.kind !== 'int') throw new Refused();
    return token;
  }

  private word(text: string): void {
    if (!this.isWord(text)) throw new Refused();
    this.i++;
  }

  private punct(text: string): Token {
    if (!this.isPunct(text)) throw new Refused();
    return this.next();
  }

  /** Takes the punctuation `text` when it comes next. */
  private eat(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.i++;
    return true;
  }

  private isWord(text: string, ahead = 0): boolean {
    const token = this.tokens[this.i + ahead];
    return token?.kind === 'word' && token.text === text;
  }

  private isPunct(text: string): boolean {
    const token = this.tokens[this.i];
    return token?.kind === 'punct' && token.text === text;
  }

  private peek(): Token {
    const token = this.tokens[this.i];
    if (!token) throw new Refused();
    return token;
  }

  private next(): Token {
    const token = this.peek();
    this.i++;
    return token;
  }
}

function str(sval: string): Node {
  return { String: { sval } } as Node;
}

function intConst({ value, at }: { value: number; at: number }): Node {
  return { A_Const: { ival: value === 0 ? {} : { ival: value }, location: at } } as Node;
}
