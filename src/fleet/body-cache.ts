import { loadBody, type Direction, type MigrationBody } from '../modules/load-body.js';
import type { Migration } from '../modules/types.js';

/**
 * A fleet applies the same migrations to every target: each body is read (and its directives
 * parsed) once for the whole fleet, not once per target. Keyed by the migration object of the
 * project loaded once, so the cache lives as long as that run and holds at most one body per
 * migration and direction — however many targets there are. A body that fails to load is not
 * kept: each target reports the failure itself.
 */
export function cachedBodyLoader(): typeof loadBody {
  const cache = new WeakMap<Migration, Map<Direction, Promise<MigrationBody | undefined>>>();
  return (migration, direction) => {
    let byDirection = cache.get(migration);
    if (!byDirection) cache.set(migration, (byDirection = new Map()));
    let body = byDirection.get(direction);
    if (!body) {
      body = loadBody(migration, direction);
      byDirection.set(direction, body);
      body.catch(() => byDirection.delete(direction));
    }
    return body;
  };
}
