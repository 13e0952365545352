/**
 * knex's types for the rest of the code: `src/db` is the only folder that names a database
 * package, even for types (erased at build time, so nothing is loaded).
 */
export type { Knex } from 'knex';
