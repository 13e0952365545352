/**
 * The PostgreSQL advisory lock key modkit holds for the whole db phase ("modkit" in ASCII).
 * In `pg_locks` it shows as `classid = 28015, objid = 1684744564, objsubid = 1`.
 */
export const POSTGRES_LOCK_KEY = 0x6d6f646b6974n;
