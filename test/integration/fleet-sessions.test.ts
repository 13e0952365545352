import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresLockKeys } from '../../src/db/lock-key.js';
import { inspectFleet } from '../../src/fleet/inspect-fleet.js';
import { migrateFleet } from '../../src/fleet/migrate-fleet.js';
import { resolveTargets } from '../../src/fleet/resolve-targets.js';
import { parseTargetsText } from '../../src/fleet/targets-file.js';
import { loadProject } from '../../src/project/load-project.js';
import { createTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

let project: FixtureProject | undefined;
let database: TestTarget | undefined;
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  await project?.cleanup();
  await database?.dispose();
});

const connect = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
};

const setUp = async (schemas: readonly string[], lockTimeoutMs?: number) => {
  database = await createTarget('postgres');
  project = await createFixtureProject([
    { name: 'accounts', migrations: { '0001_accounts.sql': 'CREATE TABLE accounts (id INTEGER PRIMARY KEY);' } },
    {
      name: 'notes',
      deps: ['accounts'],
      migrations: {
        '0001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts (id));',
      },
    },
  ]);
  const loaded = await loadProject({
    configPath: project.configPath,
    ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
  });
  const targets = resolveTargets(
    parseTargetsText(schemas.map((s) => `${database!.url} schema=${s}`).join('\n'), 'list'),
    { source: 'flag', baseDir: project.dir, env: {}, from: 'list' },
  );
  return { loaded, targets };
};

describe('schema targets of one PostgreSQL database', () => {
  it('share a few connections: never more than two per running target and two for the batched history reads, however many schemas', async () => {
    const schemas = Array.from({ length: 24 }, (_, i) => `s${i}`);
    const { loaded, targets } = await setUp(schemas);
    const observer = await connect(database!.url);
    const seen: number[] = [];
    const backends = new Set<number>();
    const look = async () => {
      const rows = (
        await observer.query(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name IN ('modkit', 'modkit-lock')",
        )
      ).rows as { pid: number }[];
      seen.push(rows.length);
      for (const r of rows) backends.add(r.pid);
    };
    const watching = setInterval(() => void look(), 5);
    const { summary } = await migrateFleet(loaded, targets, { parallel: 2 }).finally(() => clearInterval(watching));
    expect(summary).toMatchObject({ ok: 24, failed: 0, exitCode: 0 });
    expect(seen.length).toBeGreaterThan(0);
    // Two targets at once, each a working and a lock connection; the histories of all schemas are
    // read a batch at a time, as many at once as targets run (src/fleet/history-batches.ts).
    expect(Math.max(...seen)).toBeLessThanOrEqual(2 * 2 + 2);
    // 24 schemas on a handful of backends: a connection per schema would have shown 24 or more.
    expect(backends.size).toBeLessThan(12);
    const reread = await inspectFleet(loaded, targets, { parallel: 2 });
    expect(reread.summary.ok).toBe(24);
    expect(reread.results.every((r) => r.detail!.pendingCount === 0)).toBe(true);
  });

  it('lock each schema on its own: a held tenant times out (exit 3), its neighbours migrate', async () => {
    const { loaded, targets } = await setUp(['held', 'free_1', 'free_2'], 300);
    const holder = await connect(database!.url);
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [postgresLockKeys('held').lock.toString()]);
    const outcomes: { schema?: string; exitCode: number | null }[] = [];
    const { summary } = await migrateFleet(loaded, targets, {
      onTarget: (o) => outcomes.push({ schema: o.schema!, exitCode: o.exitCode }),
    });
    expect(summary).toMatchObject({ ok: 2, failed: 1, exitCode: 3, exitCodes: { '3': 1 } });
    expect(outcomes.find((o) => o.schema === 'held')!.exitCode).toBe(3);
    // Nothing was created in the held tenant's schema, not even the schema.
    const rows = (
      await holder.query("SELECT nspname FROM pg_namespace WHERE nspname IN ('held', 'free_1', 'free_2') ORDER BY 1")
    ).rows as { nspname: string }[];
    expect(rows.map((r) => r.nspname)).toEqual(['free_1', 'free_2']);
  });
});
