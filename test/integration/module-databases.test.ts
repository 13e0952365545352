import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  baseline,
  inspect,
  ModkitError,
  loadProject,
  migrate,
  repair,
  rollback,
  runPipeline,
  type ExecuteEvent,
} from '../../src/index.js';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import {
  recordingModule,
  resetRecorder,
  type LifecycleRecorder,
  type RecordingModule,
} from '../support/lifecycle-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

/**
 * platform (system) <- audit <- billing. platform and billing live in the default database
 * (PostgreSQL); audit lives in a SQLite file of its own. Every module reads its ctx.db in init.
 */
const MODULES: readonly RecordingModule[] = [
  {
    name: 'platform',
    system: true,
    migrations: {
      '0001_settings.up.sql': 'CREATE TABLE settings (k VARCHAR(20) PRIMARY KEY, v TEXT);',
      '0001_settings.down.sql': 'DROP TABLE settings;',
    },
  },
  {
    name: 'audit',
    deps: ['platform'],
    migrations: {
      '0001_events.up.sql':
        "CREATE TABLE audit_events (id INTEGER PRIMARY KEY, what TEXT);\nINSERT INTO audit_events VALUES (1, 'boot');",
      '0001_events.down.sql': 'DROP TABLE audit_events;',
      '0002_actor.up.sql': 'ALTER TABLE audit_events ADD COLUMN actor TEXT;',
      '0002_actor.down.sql': 'ALTER TABLE audit_events DROP COLUMN actor;',
    },
    init: `lc.facts.audit = { client: ctx.db.client.config.client, what: (await ctx.db('audit_events').select('what')).map((r) => r.what), config: ctx.config };`,
  },
  {
    name: 'billing',
    deps: ['audit'],
    migrations: {
      '0001_invoices.up.sql': 'CREATE TABLE invoices (id INTEGER PRIMARY KEY, audit_id INTEGER);',
      '0001_invoices.down.sql': 'DROP TABLE invoices;',
    },
    init: `lc.facts.billing = { client: ctx.db.client.config.client, invoices: await ctx.db.schema.hasTable('invoices'), audit: await ctx.db.schema.hasTable('audit_events') };`,
  },
];

let pg: TestTarget;
let sqliteDir: string;
let audit: TestTarget;
let project: FixtureProject;
let lc: LifecycleRecorder;

beforeEach(async () => {
  lc = resetRecorder();
  pg = await createTarget('postgres');
  sqliteDir = await mkdtemp(join(tmpdir(), 'modkit-audit-'));
  audit = {
    engine: 'sqlite',
    url: `sqlite:${join(sqliteDir, 'audit.sqlite')}`,
    file: join(sqliteDir, 'audit.sqlite'),
    dispose: async () => undefined,
  };
});
afterEach(async () => {
  await pg?.dispose();
  await rm(sqliteDir, { recursive: true, force: true });
  await project?.cleanup();
});

async function setup(auditUrl = audit.url, extraConfig: Record<string, unknown> = {}) {
  project = await createFixtureProject(MODULES.map(recordingModule), {
    modulesConfig: { audit: { database: { url: auditUrl }, retentionDays: 30 } },
    ...extraConfig,
  });
  return { configPath: project.configPath, databaseUrl: pg.url };
}

const tables = async (target: TestTarget) => (await tableNames(target)).sort();

describe('two modules in two databases (PostgreSQL and SQLite), with a dependency across them', () => {
  it("migrates in the one system-first order, each history in its module's database, and a rerun does nothing", async () => {
    const options = await setup();
    const { result, databases } = await migrate(options);
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => `${r.module}/${r.id}`)).toEqual([
      'platform/0001_settings',
      'audit/0001_events',
      'audit/0002_actor',
      'billing/0001_invoices',
    ]);
    expect(databases.map((g) => [g.target.engine, g.isDefault, g.modules])).toEqual([
      ['postgres', true, ['platform', 'billing']],
      ['sqlite', false, ['audit']],
    ]);
    const [platformTable, auditTable, billingTable] = await Promise.all(
      ['platform', 'audit', 'billing'].map((m) => historyTableName(m)),
    );
    expect(await tables(pg)).toEqual([billingTable, platformTable, 'invoices', 'settings'].sort());
    expect(await tables(audit)).toEqual(['audit_events', auditTable].sort());

    const again = await migrate(options);
    expect(again.result.results).toEqual([]);
    expect(again.result.error).toBeUndefined();
  });

  it('status reads each module from its own database', async () => {
    const options = await setup();
    await migrate({ ...options, modules: ['audit'] });
    const { plan, databases } = await inspect(options);
    expect(plan.modules.map((m) => [m.module.name, m.applied.length, m.pending.map((p) => p.id)])).toEqual([
      ['platform', 1, []],
      ['audit', 2, []],
      ['billing', 0, ['0001_invoices']],
    ]);
    expect(databases).toHaveLength(2);
    // --module audit covers audit and what it depends on, in both databases.
    expect(await tables(pg)).toContain('settings');
  });

  it('rollback --cascade undoes the dependents first, across databases, newest first', async () => {
    const options = await setup();
    await migrate(options);
    const refused = await rollback({ ...options, module: 'platform', target: { steps: 1 } }).catch((e: Error) => e);
    expect((refused as Error).message).toMatch(
      /refusing to roll back module "platform".*\n- billing: 0001_invoices\n- audit: 0001_events, 0002_actor\n/,
    );
    const report = await rollback({ ...options, module: 'platform', target: { steps: 1 }, cascade: true });
    expect(report.result?.error).toBeUndefined();
    expect(report.result?.results.map((r) => `${r.module}/${r.id}`)).toEqual([
      'billing/0001_invoices',
      'audit/0002_actor',
      'audit/0001_events',
      'platform/0001_settings',
    ]);
    expect(report.databases.map((g) => g.modules)).toEqual([['platform', 'billing'], ['audit']]);
    expect(await tables(pg)).not.toContain('invoices');
    expect(await tables(pg)).not.toContain('settings');
    expect(await tables(audit)).not.toContain('audit_events');
    const { plan } = await inspect(options);
    expect(plan.pendingCount).toBe(4);
  });

  it('rollback --last-run undoes what the last migrate applied in every database, dependents first', async () => {
    const options = await setup();
    await migrate({ ...options, modules: ['platform'] });
    await migrate(options);
    const report = await rollback({ ...options, lastRun: true });
    expect(report.result?.error).toBeUndefined();
    expect(report.result?.results.map((r) => `${r.module}/${r.id}`)).toEqual([
      'billing/0001_invoices',
      'audit/0002_actor',
      'audit/0001_events',
    ]);
    expect(await tables(pg)).toContain('settings');
    expect(await tables(pg)).not.toContain('invoices');
    expect(await tables(audit)).not.toContain('audit_events');
  });

  it('ctx.db of each module points at its own database, and ctx.config keeps no database URL', async () => {
    const options = await setup();
    const loaded = await loadProject(options);
    const controller = new AbortController();
    const report = await runPipeline(loaded, {
      mode: 'full',
      signal: controller.signal,
      onLifecycleEvent: (e) => e.type === 'state' && e.state === 'running' && !e.module && controller.abort(),
    });
    expect(report.error).toBeUndefined();
    expect(lc.facts.audit).toEqual({ client: 'better-sqlite3', what: ['boot'], config: { retentionDays: 30 } });
    expect(lc.facts.billing).toEqual({ client: 'pg', invoices: true, audit: false });
  });

  it("baseline records in the module's own database", async () => {
    const options = await setup();
    const report = await baseline({ ...options, module: 'audit', to: '0001_events' });
    expect(report.database.engine).toBe('sqlite');
    expect(report.plan.record.map((m) => m.id)).toEqual(['0001_events']);
    expect(await tables(audit)).toEqual([await historyTableName('audit')]);
    expect(await tables(pg)).toEqual([]);
  });

  it('refusals are checked in every database before anything runs in any of them', async () => {
    const options = await setup();
    await migrate(options);
    // Drift in the SQLite database, new work in the PostgreSQL one.
    await project.write(
      'modules/audit/migrations/0002_actor.up.sql',
      'ALTER TABLE audit_events ADD COLUMN actor_name TEXT;',
    );
    await project.write(
      'modules/platform/migrations/0002_flags.up.sql',
      'CREATE TABLE flags (k VARCHAR(20) PRIMARY KEY);',
    );
    const refused = (await migrate(options).catch((e: unknown) => e)) as ModkitError;
    expect(refused).toBeInstanceOf(ModkitError);
    expect(refused.exitCode).toBe(4);
    expect(refused.message).toMatch(/\[drift\] .*audit.*0002_actor/);
    expect(await tables(pg)).not.toContain('flags');
  });

  it("repair re-records checksums in each module's database", async () => {
    const options = await setup();
    await migrate(options);
    await queryTarget(audit, `UPDATE ${await historyTableName('audit')} SET checksum = NULL`);
    await queryTarget(pg, `UPDATE ${await historyTableName('billing')} SET checksum = NULL`);
    const { plan, databases } = await repair(options);
    expect(plan.changes.map((c) => `${c.module}/${c.id}:${c.kind}`)).toEqual([
      'audit/0001_events:checksum-filled',
      'audit/0002_actor:checksum-filled',
      'billing/0001_invoices:checksum-filled',
    ]);
    expect(databases).toHaveLength(2);
    expect((await inspect(options)).plan.problems).toEqual([]);
    expect(
      await queryTarget(audit, `SELECT count(*) AS n FROM ${await historyTableName('audit')} WHERE checksum IS NULL`),
    ).toEqual([{ n: 0 }]);
  });

  it('--concurrency runs both databases side by side, SQLite one module at a time, dependencies first', async () => {
    const options = await setup();
    const events: ExecuteEvent[] = [];
    const { result } = await migrate({ ...options, concurrency: 3, onEvent: (e) => events.push(e) });
    expect(result.error).toBeUndefined();
    expect(result.results).toHaveLength(4);
    const done = result.results.map((r) => r.module);
    expect(done.indexOf('platform')).toBeLessThan(done.indexOf('audit'));
    expect(done.lastIndexOf('audit')).toBeLessThan(done.indexOf('billing'));
    expect(events).toContainEqual({
      type: 'warning',
      message: `--concurrency 3: SQLite ${audit.file} migrates one module at a time (SQLite has one writer per database)`,
    });
  });

  it('--tx-mode all is refused when pending migrations span databases, and nothing runs', async () => {
    const options = await setup();
    const { result } = await migrate({ ...options, txMode: 'all' });
    expect(result.error?.exitCode).toBe(2);
    expect(result.error?.message).toContain(
      '--tx-mode all runs everything in one transaction, which cannot span databases',
    );
    expect(result.results).toEqual([]);
    expect(await tables(pg)).toEqual([]);
  });
});

describe('one database spelled two ways', () => {
  it('is one group with one lock: migrating does not wait for itself', async () => {
    const respelled = new URL(pg.url);
    respelled.protocol = 'postgresql:';
    respelled.hostname =
      respelled.hostname === 'localhost'
        ? '127.0.0.1'
        : respelled.hostname === '127.0.0.1'
          ? 'localhost'
          : respelled.hostname;
    respelled.port = respelled.port || '5432';
    const options = await setup(respelled.toString(), { lockTimeoutMs: 1000 });
    const { result, databases } = await migrate(options);
    expect(result.error).toBeUndefined();
    expect(databases).toHaveLength(1);
    expect(databases[0]!.target.url).toBe(pg.url);
    expect(await tables(pg)).toContain('audit_events');
  });
});
