/**
 * The PostgreSQL advisory lock key modkit holds for the whole db phase ("modkit" in ASCII).
 * In `pg_locks` it shows as `classid = 28015, objid = 1684744564, objsubid = 1`.
 */
export const POSTGRES_LOCK_KEY = 0x6d6f646b6974n;

/**
 * The work barrier ("mkwork" in ASCII): every connection that runs migrations holds it in SHARE
 * mode, and a new run starts only once it could take it exclusively (src/db/postgres/postgres-lock.ts).
 * In `pg_locks`: `classid = 28011, objid = 2003792491, objsubid = 1`.
 */
export const POSTGRES_BARRIER_KEY = 0x6d6b776f726bn;

/** The advisory keys of one history: the run lock and the work barrier. */
export interface PostgresLockKeys {
  readonly lock: bigint;
  readonly barrier: bigint;
}

/** The schema whose runs take the keys above (and any target that names no history schema). */
const DEFAULT_SCHEMA = 'public';

/**
 * The keys of the runs whose history lives in `schema`. History in another schema than `public`
 * (a schema-per-tenant fleet, `database.schema`) is a history of its own, so it gets keys of its
 * own: a thousand tenants of one database migrate side by side, two runs on one tenant still wait
 * for each other, and a run on `public` keeps the keys it always had. The high 16 bits say "mk",
 * the next 32 are FNV-1a of the schema's name, the low 16 say "lk" or "br" (lock, barrier); a
 * collision of two names only makes their runs wait for each other, never run together.
 */
export function postgresLockKeys(schema: string | undefined): PostgresLockKeys {
  if (schema === undefined || schema === DEFAULT_SCHEMA)
    return { lock: POSTGRES_LOCK_KEY, barrier: POSTGRES_BARRIER_KEY };
  const base = (0x6d6bn << 48n) | (BigInt(fnv1a32(schema)) << 16n);
  return { lock: base | 0x6c6bn, barrier: base | 0x6272n };
}

/** 32-bit FNV-1a of a string's UTF-8 bytes: tiny, stable, and the same on every machine. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}
