/**
 * Whether a column default is computed once (PostgreSQL 11+ stores a non-volatile default in the
 * catalog: `ADD COLUMN` is instant) or for every existing row (a volatile default rewrites the
 * table). A function is volatile until proven otherwise: a built-in listed here, one an earlier
 * migration created `STABLE`/`IMMUTABLE`, or one the live catalog knows as such.
 */
import type { Node } from 'libpg-query';
import { calledFunctions } from '../pg-ast.js';

/**
 * Built-in functions people use in defaults that are immutable or stable (`pg_proc.provolatile`
 * 'i' or 's' for every overload, checked against PostgreSQL 15's catalog with uuid-ossp installed).
 * (`GREATEST`, `COALESCE`, `TRIM`, `CURRENT_TIMESTAMP` are expressions, not function calls.)
 */
const NOT_VOLATILE = new Set([
  // time
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'date_trunc',
  'date_part',
  'extract',
  'make_date',
  'make_time',
  'make_timestamp',
  'make_timestamptz',
  'make_interval',
  'to_timestamp',
  'to_date',
  'to_char',
  'to_number',
  'timezone',
  'justify_days',
  'justify_hours',
  'justify_interval',
  'date_bin',
  'isfinite',
  // text
  'lower',
  'upper',
  'initcap',
  'length',
  'char_length',
  'octet_length',
  'btrim',
  'ltrim',
  'rtrim',
  'substr',
  'substring',
  'left',
  'right',
  'lpad',
  'rpad',
  'repeat',
  'replace',
  'reverse',
  'concat',
  'concat_ws',
  'format',
  'md5',
  'sha224',
  'sha256',
  'sha384',
  'sha512',
  'encode',
  'decode',
  'split_part',
  'translate',
  'quote_ident',
  'quote_literal',
  'regexp_replace',
  'to_hex',
  'chr',
  'ascii',
  'starts_with',
  'string_to_array',
  'array_to_string',
  // numbers
  'abs',
  'round',
  'trunc',
  'floor',
  'ceil',
  'ceiling',
  'power',
  'sqrt',
  'mod',
  'sign',
  'div',
  // json, arrays, ranges, misc
  'jsonb_build_object',
  'jsonb_build_array',
  'json_build_object',
  'json_build_array',
  'to_json',
  'to_jsonb',
  'jsonb_object',
  'json_object',
  'array_fill',
  'array_length',
  'cardinality',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'to_tsvector',
  'current_setting',
  'current_database',
  'current_schema',
  'inet_client_addr',
  'pg_backend_pid',
  'uuid_nil',
  'uuid_ns_dns',
  'uuid_ns_url',
  'uuid_ns_oid',
  'uuid_ns_x500',
  'uuid_generate_v3',
  'uuid_generate_v5',
]);

/**
 * The first function `expr` calls that is not known to be stable, or undefined when every call is
 * (constants, operators and `CURRENT_TIMESTAMP`-like keywords call none). `declared` gives the
 * volatility the schema knows for a function.
 */
export function volatileCall(
  expr: Node | undefined,
  declared: (parts: readonly string[]) => string | undefined,
): string | undefined {
  for (const parts of calledFunctions(expr)) {
    const name = parts.at(-1)?.toLowerCase() ?? '';
    const known = declared(parts);
    if (known === 'immutable' || known === 'stable') continue;
    if (known === undefined && (parts.length === 1 || parts[0] === 'pg_catalog') && NOT_VOLATILE.has(name)) continue;
    return parts.join('.');
  }
  return undefined;
}

/** Built-ins that are volatile by nature: the message says so instead of "not known to be stable". */
export const KNOWN_VOLATILE = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'random_normal',
  'gen_random_bytes',
  'setseed',
]);
