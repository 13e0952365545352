/**
 * MariaDB/MySQL for tests.
 *
 * Source order (docs/development.md, "Tests"):
 *   1. `MODKIT_TEST_MYSQL_URL` — an existing server (CI sets this); unreachable is an error;
 *   2. the local server at 127.0.0.1:3306 (user root, no password) when one answers;
 *   3. `@testcontainers/mariadb` — only if a container runtime answers a ping;
 *   4. none: the MariaDB/MySQL tests are skipped, and the global setup says so in one line.
 *
 * The global setup calls {@link startMysql} once per `vitest run` and publishes the admin URL in
 * `MODKIT_TEST_MYSQL_ADMIN_URL`; tests get their own database from {@link createMysqlDatabase}.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { containerRuntimeAnswers } from './postgres.js';

export const MYSQL_ADMIN_URL_ENV = 'MODKIT_TEST_MYSQL_ADMIN_URL';
/** Env var through which the global setup says where that server came from (`RunningMysql['source']`). */
export const MYSQL_SOURCE_ENV = 'MODKIT_TEST_MYSQL_SOURCE';
const LOCAL_URL = 'mysql://root@127.0.0.1:3306/';

export interface RunningMysql {
  readonly url: string;
  readonly source: 'env' | 'local' | 'testcontainers';
  stop(): Promise<void>;
}

export interface MysqlTestDatabase {
  readonly url: string;
  readonly name: string;
  /** Ends the database's connections, then drops it. Safe to call twice. */
  drop(): Promise<void>;
}

/** Finds a server, or says why there is none (the caller skips the MariaDB/MySQL tests). */
export async function startMysql(): Promise<RunningMysql | { readonly unavailable: string }> {
  const envUrl = process.env['MODKIT_TEST_MYSQL_URL'];
  if (envUrl) {
    await withConnection(envUrl, (c) => c.query('SELECT 1')).catch((error: unknown) => {
      throw new Error(
        `MODKIT_TEST_MYSQL_URL is set but ${redactMysql(envUrl)} does not answer: ${(error as Error).message}`,
      );
    });
    return { url: envUrl, source: 'env', stop: async () => {} };
  }
  if (
    await withConnection(LOCAL_URL, (c) => c.query('SELECT 1'), 1_000).then(
      () => true,
      () => false,
    )
  ) {
    return { url: LOCAL_URL, source: 'local', stop: async () => {} };
  }
  if (await containerRuntimeAnswers()) {
    try {
      const { MariaDbContainer } = await import('@testcontainers/mariadb');
      const container = await new MariaDbContainer('mariadb:10.11').withRootPassword('modkit').start();
      const url = `mysql://root:modkit@${container.getHost()}:${container.getPort()}/`;
      return { url, source: 'testcontainers', stop: async () => void (await container.stop()) };
    } catch (error) {
      return { unavailable: `testcontainers failed: ${(error as Error).message}` };
    }
  }
  return {
    unavailable:
      'MODKIT_TEST_MYSQL_URL is not set, nothing answers at 127.0.0.1:3306, and no container runtime answers',
  };
}

/** The admin URL the global setup published, or undefined when no MariaDB/MySQL is available. */
export function mysqlAdminUrl(): string | undefined {
  return process.env[MYSQL_ADMIN_URL_ENV] || undefined;
}

/** A fresh, uniquely named database, so tests (and parallel workers) never share state. */
export async function createMysqlDatabase(adminUrl: string, prefix = 'modkit_test'): Promise<MysqlTestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(5).toString('hex')}`;
  await withConnection(adminUrl, (c) => c.query(`CREATE DATABASE \`${name}\``));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withConnection(adminUrl, async (c) => {
        // A test that failed may leave connections open; DROP would wait for their metadata locks.
        const [rows] = await c.query(
          'SELECT id FROM information_schema.PROCESSLIST WHERE db = ? AND id <> CONNECTION_ID()',
          [name],
        );
        for (const { id } of rows as { id: number }[]) await c.query('KILL ?', [id]).catch(() => undefined);
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      }),
  };
}

/** Runs `fn` on a new connection to `url`, closed afterwards. */
export async function withConnection<T>(
  url: string,
  fn: (c: mysql.Connection) => Promise<T>,
  connectTimeout = 10_000,
): Promise<T> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout });
  connection.on('error', () => undefined);
  try {
    return await fn(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

export function redactMysql(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
