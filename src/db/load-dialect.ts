import type { Engine } from '../config/types.js';
import type { Dialect } from './dialects/types.js';

/**
 * The dialect for an engine. Imported lazily so that commands which need no database
 * (`--help`, `graph`, `new`, `validate --offline`) never load a driver.
 */
export async function loadDialect(engine: Engine): Promise<Dialect> {
  if (engine === 'postgres') return (await import('./dialects/postgres.js')).postgresDialect;
  return (await import('./dialects/sqlite.js')).sqliteDialect;
}
