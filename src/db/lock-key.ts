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
