import { loadBody, type Direction, type MigrationBody } from './load-body.js';
import type { Migration } from './types.js';

/**
 * Each body read (and its directives parsed) once per run: the refusal of transaction control, the
 * lint and the step that runs it read the same file, and a fleet applies the same migrations to
 * every target. Keyed by the migration objects of the project loaded once, so the cache lives as
 * long as the loader (one db phase, or one fleet run) and holds at most one body per migration and
 * direction, however many targets there are: what a run holds is the text of its pending
 * migrations, as knex holds its pending migration modules. What runs is also what was checked, had
 * the file changed meanwhile. A body that fails to load is not kept: each caller (each target)
 * reports the failure itself.
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
