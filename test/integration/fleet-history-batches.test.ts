import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { postgresLockKeys } from '../../src/db/lock-key.js';
import { inspectFleet } from '../../src/fleet/inspect-fleet.js';
import { migrateFleet } from '../../src/fleet/migrate-fleet.js';
import { resolveTargets } from '../../src/fleet/resolve-targets.js';
import { parseTargetsText } from '../../src/fleet/targets-file.js';
import { loadProject, type Project } from '../../src/project/load-project.js';
import { createTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

/**
 * What a no-op and a status of a schema-per-tenant fleet cost the database: the statements modkit's
 * own connections send, counted at the driver (pg.Client#query) against a real server. The count
 * must not grow with the number of schemas.
 */
const MODKIT_APPLICATIONS = new Set(['modkit', 'modkit-lock']);
const sent: { database: string; sql: string; params: readonly unknown[] }[] = [];
const query = pg.Client.prototype.query;
function countStatements(): () => void {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const params = (this as unknown as { connectionParameters: { database: string; application_name?: string } })
      .connectionParameters;
    if (MODKIT_APPLICATIONS.has(params.application_name ?? '')) {
      const first = args[0];
      sent.push({
        database: params.database,
        sql: typeof first === 'string' ? first : String((first as { text?: string })?.text),
        params: Array.isArray(args[1]) ? args[1] : [],
      });
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  return () => {
    pg.Client.prototype.query = query;
  };
}

const projects: FixtureProject[] = [];
const databases: TestTarget[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  pg.Client.prototype.query = query;
  sent.splice(0);
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  for (const p of projects.splice(0)) await p.cleanup();
  for (const d of databases.splice(0)) await d.dispose();
});

const schemasOf = (n: number) => Array.from({ length: n }, (_, i) => `tenant_${String(i + 1).padStart(3, '0')}`);

async function fleetOf(schemas: readonly string[], lockTimeoutMs?: number) {
  const database = await createTarget('postgres');
  databases.push(database);
  const project = await createFixtureProject([
    {
      name: 'accounts',
      migrations: {
        '0001_accounts.sql': 'CREATE TABLE accounts (id INTEGER PRIMARY KEY);',
        '0002_name.sql': 'ALTER TABLE accounts ADD COLUMN name TEXT;',
      },
    },
    {
      name: 'notes',
      deps: ['accounts'],
      migrations: {
        '0001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts (id));',
      },
    },
    { name: 'empty' }, // no migrations: its history table never exists
  ]);
  projects.push(project);
  const loaded = await loadProject({
    configPath: project.configPath,
    ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
  });
  const targets = resolveTargets(
    parseTargetsText(schemas.map((s) => `${database.url} schema=${s}`).join('\n'), 'list'),
    { source: 'flag', baseDir: project.dir, env: {}, from: 'list' },
  );
  return { database, loaded, targets };
}

async function admin(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

/** Statements sent to `database` while `work` ran. */
async function statementsDuring(database: TestTarget, work: () => Promise<unknown>): Promise<string[]> {
  const name = new URL(database.url).pathname.slice(1);
  sent.splice(0);
  const restore = countStatements();
  try {
    await work();
  } finally {
    restore();
  }
  return sent.filter((s) => s.database === name).map((s) => s.sql);
}

async function costsOf(project: Project, targets: Parameters<typeof migrateFleet>[1], database: TestTarget) {
  const migrate = await statementsDuring(database, async () => {
    const { summary, results } = await migrateFleet(project, targets);
    expect(summary).toMatchObject({ ok: targets.length, failed: 0, exitCode: 0 });
    expect(results.every((r) => r.detail!.applied === 0)).toBe(true);
  });
  const status = await statementsDuring(database, async () => {
    const { summary, results } = await inspectFleet(project, targets);
    expect(summary).toMatchObject({ ok: targets.length, failed: 0 });
    expect(results.every((r) => r.detail!.pendingCount === 0 && r.detail!.problems.length === 0)).toBe(true);
  });
  return { migrate, status };
}

describe('a no-op and a status over the schemas of one PostgreSQL database', () => {
  it('send as many statements for 40 schemas as for 4: a batch of history reads, not a session per schema', async () => {
    const small = await fleetOf(schemasOf(4));
    const large = await fleetOf(schemasOf(40));
    for (const fleet of [small, large])
      expect((await migrateFleet(fleet.loaded, fleet.targets)).summary).toMatchObject({ failed: 0, exitCode: 0 });

    const few = await costsOf(small.loaded, small.targets, small.database);
    const many = await costsOf(large.loaded, large.targets, large.database);
    expect(many.migrate.length).toBe(few.migrate.length);
    expect(many.status.length).toBe(few.status.length);
    // The catalog and the rows: no lock, no search_path, no session reset per schema.
    expect(many.migrate.length).toBeLessThanOrEqual(2);
    expect(many.status.length).toBeLessThanOrEqual(2);
    expect([...many.migrate, ...many.status].some((sql) => /advisory|search_path|DISCARD/i.test(sql))).toBe(false);
  });

  it('the catalog read returns a row per history table, not per column (the tenants share one shape)', async () => {
    const fleet = await fleetOf(schemasOf(4));
    expect((await migrateFleet(fleet.loaded, fleet.targets)).summary).toMatchObject({ failed: 0, exitCode: 0 });
    const name = new URL(fleet.database.url).pathname.slice(1);
    sent.splice(0);
    const restore = countStatements();
    try {
      await inspectFleet(fleet.loaded, fleet.targets);
    } finally {
      restore();
    }
    const catalog = sent.find((s) => s.database === name && /pg_attribute/.test(s.sql))!;
    const rows = (await (await admin(fleet.database.url)).query(catalog.sql, [...catalog.params])).rows;
    // 4 schemas x 2 history tables (`empty` has none), each with its columns in one JSON text.
    expect(rows).toHaveLength(8);
    expect(JSON.parse(rows[0].columns).map((c: [string, string]) => c[0])).toEqual(
      expect.arrayContaining(['version', 'checksum', 'state']),
    );
  });

  it('read schemas that do not exist yet as empty, in the same few statements', async () => {
    const small = await fleetOf(schemasOf(3));
    const large = await fleetOf(schemasOf(30));
    const counts = [];
    for (const fleet of [small, large]) {
      counts.push(
        (
          await statementsDuring(fleet.database, async () => {
            const { results } = await inspectFleet(fleet.loaded, fleet.targets);
            expect(results.map((r) => r.detail!.pendingCount)).toEqual(fleet.targets.map(() => 3));
          })
        ).length,
      );
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it('a schema with pending migrations still takes its own lock, and reads its history again under it', async () => {
    const { database, loaded, targets } = await fleetOf(schemasOf(3), 20_000);
    expect((await migrateFleet(loaded, targets)).summary.exitCode).toBe(0);
    const client = await admin(database.url);
    const accounts = historyTableNameSync('accounts');
    // tenant_002 is behind: the last migration of accounts was never applied there.
    await client.query(`DELETE FROM tenant_002.${accounts} WHERE version = '0002_name'`);
    await client.query('ALTER TABLE tenant_002.accounts DROP COLUMN name');
    // Another run holds tenant_002's lock and applies that migration while this run waits for it.
    const key = postgresLockKeys('tenant_002').lock.toString();
    await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    const restore = countStatements();
    const running = migrateFleet(loaded, targets);
    try {
      while (!sent.some((s) => /pg_try_advisory_lock/.test(s.sql))) await new Promise((r) => setTimeout(r, 5));
    } finally {
      restore();
    }
    await client.query('ALTER TABLE tenant_002.accounts ADD COLUMN name TEXT');
    await client.query(
      `INSERT INTO tenant_002.${accounts} (version, checksum, state) SELECT version, checksum, 'applied' FROM tenant_001.${accounts} WHERE version = '0002_name'`,
    );
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
    // Applying it again would fail (the column exists): the history read under the lock says it is done.
    const { summary, results } = await running;
    expect(summary).toMatchObject({ ok: 3, failed: 0, exitCode: 0 });
    expect(results.every((r) => r.detail!.applied === 0)).toBe(true);
    // Only the behind tenant asked for a lock (while statements were counted).
    const asked = sent.filter((s) => /pg_try_advisory_lock/.test(s.sql)).map((s) => String(s.params[0]));
    expect(new Set(asked)).toEqual(new Set([key]));
  });
});
