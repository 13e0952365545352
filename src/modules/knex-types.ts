/**
 * knex's types, the type of what a migration's `up(db)` and a module's `ctx.db` get: here, at the
 * bottom, so that modules, db and lifecycle share one name for it. Types only (erased at build
 * time, so nothing is loaded); the drivers themselves stay in `src/db`.
 */
export type { Knex } from 'knex';
