/**
 * A column's type as the lint compares types: the catalog's name of the type (`int4`, `varchar`,
 * `public.money_amount` for a domain), its modifiers as written (`varchar(100)` → [100],
 * `numeric(10,2)` → [10, 2]) and whether it is an array. Built from the parser's `TypeName` or
 * from the live catalog's `typname` + `atttypmod`; pure.
 */
import type { Node, TypeName } from 'libpg-query';
import { names, nodeOf } from '../pg-ast.js';

export interface ColumnType {
  /** Built-in types by their catalog name (`int4`, `bpchar`); other types schema-qualified when known. */
  readonly name: string;
  /** Type modifiers; empty when none (`varchar` without a length, `numeric` without precision). */
  readonly mods: readonly number[];
  readonly array: boolean;
}

/** SQL spellings a migration may use for a built-in type, by the catalog's name. */
const ALIASES: Readonly<Record<string, string>> = {
  int: 'int4',
  integer: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  real: 'float4',
  float: 'float8',
  'double precision': 'float8',
  boolean: 'bool',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  decimal: 'numeric',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'time with time zone': 'timetz',
  'time without time zone': 'time',
  'bit varying': 'varbit',
};

/** Built-in types the parser qualifies with `pg_catalog`; any other unqualified name may be a user type. */
export function canonicalTypeName(name: string): string {
  const lower = name.toLowerCase();
  return ALIASES[lower] ?? lower;
}

/** The type a `TypeName` node names; `schema` qualifies names that are not built in (domains). */
export function typeFromNode(typeName: TypeName | undefined): ColumnType | undefined {
  if (!typeName) return undefined;
  const parts = names(typeName.names);
  if (parts.length === 0) return undefined;
  const builtIn = parts[0] === 'pg_catalog';
  const name = builtIn
    ? canonicalTypeName(parts.at(-1)!)
    : parts.length > 1
      ? parts.join('.')
      : canonicalTypeName(parts[0]!);
  const mods = (typeName.typmods ?? []).flatMap((m: Node) => {
    const value = intConst(m);
    return value === undefined ? [] : [value];
  });
  // numeric(p) is numeric(p,0), as the catalog stores it.
  if (name === 'numeric' && mods.length === 1) mods.push(0);
  return { name, mods, array: (typeName.arrayBounds?.length ?? 0) > 0 };
}

function intConst(node: Node): number | undefined {
  const constant = nodeOf(node, 'A_Const') as { ival?: { ival?: number } } | undefined;
  if (!constant || !('ival' in constant)) return undefined;
  return constant.ival?.ival ?? 0; // the parser leaves 0 out
}

const VARHDRSZ = 4;

/** The type of a catalog column (`typname`, `atttypmod`) in the same terms as a parsed one. */
export function typeFromCatalog(name: string, typmod: number, array: boolean): ColumnType {
  return { name, mods: modsFromTypmod(name, typmod), array };
}

/** Decodes `atttypmod` the way `format_type` does for the types whose modifiers the lint compares. */
function modsFromTypmod(name: string, typmod: number): number[] {
  if (typmod < 0) return [];
  switch (name) {
    case 'varchar':
    case 'bpchar':
      return [typmod - VARHDRSZ];
    case 'numeric': {
      const packed = typmod - VARHDRSZ;
      return [(packed >> 16) & 0xffff, packed & 0xffff];
    }
    default: // timestamp(p), time(p), bit(n), varbit(n): the modifier itself
      return [typmod];
  }
}

/** `varchar(100)`, `numeric(10,2)`, `int4[]`: how a message names the type. */
export function typeText(type: ColumnType): string {
  const shown = DISPLAY[type.name] ?? type.name;
  return `${shown}${type.mods.length > 0 ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

const DISPLAY: Readonly<Record<string, string>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  bpchar: 'char',
  bool: 'boolean',
  float8: 'double precision',
  float4: 'real',
};

export function sameType(a: ColumnType, b: ColumnType): boolean {
  return (
    a.name === b.name &&
    a.array === b.array &&
    a.mods.length === b.mods.length &&
    a.mods.every((m, i) => m === b.mods[i])
  );
}
