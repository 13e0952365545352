/**
 * Whether `ALTER COLUMN … TYPE` rewrites the table, judged from the column's current type as
 * PostgreSQL judges it (tablecmds.c, ATColumnChangeRequiresRewrite, with the types' length
 * "support" functions): only a binary-coercible change keeps the table's files. Each verdict here
 * is checked on a real server (relfilenode before and after) in test/integration/lint-corpus.test.ts.
 */
import type { ColumnType } from './column-type.js';
import { sameType, typeText } from './column-type.js';

export interface DomainInfo {
  readonly base: ColumnType;
  /** CHECK or NOT NULL constraints: a column changed to the domain is rewritten, every row checked. */
  readonly constrained: boolean;
}

export interface TypeLookups {
  /** The domain a type name stands for, if it is one. */
  domain(name: string): DomainInfo | undefined;
  /** True/false when the session's TimeZone is known to be / not be UTC; undefined offline. */
  readonly timeZoneIsUtc: boolean | undefined;
}

export type TypeChangeVerdict = { readonly rewrite: false } | { readonly rewrite: true; readonly why?: string };

const FREE: TypeChangeVerdict = { rewrite: false };
const REWRITE: TypeChangeVerdict = { rewrite: true };

/** Text types a `varchar` or `text` value needs no conversion to (citext is an extension's). */
const UNBOUNDED_TEXT = new Set(['text', 'varchar', 'citext']);
/** Temporal types whose precision may grow without a rewrite; 6 is their maximum. */
const TEMPORAL = new Set(['timestamp', 'timestamptz', 'time', 'timetz', 'interval']);
const MAX_TEMPORAL_PRECISION = 6;

export function judgeTypeChange(current: ColumnType, next: ColumnType, lookups: TypeLookups): TypeChangeVerdict {
  const target = lookups.domain(next.name);
  if (target && !next.array) {
    if (target.constrained)
      return { rewrite: true, why: `the domain ${next.name} has constraints, so every row is checked and rewritten` };
    return judgeTypeChange(current, target.base, lookups);
  }
  const source = lookups.domain(current.name);
  const from = source && !current.array ? source.base : current;
  if (sameType(from, next)) return FREE;
  if (from.array || next.array) return REWRITE;
  return judgeScalar(from, next, lookups);
}

function judgeScalar(from: ColumnType, to: ColumnType, lookups: TypeLookups): TypeChangeVerdict {
  const [n] = from.mods;
  const [m] = to.mods;
  if (from.name === 'varchar' && n !== undefined) {
    if (to.name === 'varchar' && m !== undefined)
      return m >= n ? FREE : { rewrite: true, why: 'a shorter varchar checks every value' };
    return UNBOUNDED_TEXT.has(to.name) && m === undefined ? FREE : REWRITE;
  }
  if (UNBOUNDED_TEXT.has(from.name) && n === undefined) {
    if (UNBOUNDED_TEXT.has(to.name) && m === undefined) return FREE;
    return to.name === 'varchar' ? { rewrite: true, why: 'a length limit checks every value' } : REWRITE;
  }
  if (from.name === 'numeric' && to.name === 'numeric') return judgeNumeric(from.mods, to.mods);
  if (from.name === to.name && TEMPORAL.has(from.name)) {
    const free = m === undefined || (n === undefined && m >= MAX_TEMPORAL_PRECISION) || (n !== undefined && n <= m);
    return free ? FREE : { rewrite: true, why: 'a lower precision rounds every value' };
  }
  if (
    (from.name === 'timestamp' && to.name === 'timestamptz') ||
    (from.name === 'timestamptz' && to.name === 'timestamp')
  ) {
    if (lookups.timeZoneIsUtc === true) return FREE;
    return {
      rewrite: true,
      why: "the session's TimeZone is not UTC (with TimeZone = UTC PostgreSQL skips the rewrite)",
    };
  }
  if (from.name === 'varbit' && to.name === 'varbit')
    return m === undefined || (n !== undefined && n <= m) ? FREE : REWRITE;
  if (from.name === 'cidr' && to.name === 'inet' && m === undefined) return FREE;
  return REWRITE;
}

/** numeric(p,s) → numeric(q,s) with q ≥ p, or → numeric: the stored values stay as they are. */
function judgeNumeric(from: readonly number[], to: readonly number[]): TypeChangeVerdict {
  if (to.length === 0) return FREE;
  if (from.length === 0) return { rewrite: true, why: 'a precision limit checks and rounds every value' };
  const [p = 0, s = 0] = from;
  const [q = 0, t = 0] = to;
  if (t !== s) return { rewrite: true, why: 'a different scale changes every value' };
  return q >= p ? FREE : { rewrite: true, why: 'a lower precision checks every value' };
}

/** `integer → bigint`, as a message says it. */
export function describeTypeChange(from: ColumnType, to: ColumnType): string {
  return `${typeText(from)} → ${typeText(to)}`;
}
