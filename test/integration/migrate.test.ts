import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { inspect, migrate, repair } from '../../src/index.js';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import {
  createTarget,
  ENGINES,
  hasTransactionalDdl,
  queryTarget,
  tableNames,
  type TestTarget,
} from '../support/engines.js';

const shop: FixtureModule[] = [
  {
    name: 'core',
    system: true,
    migrations: { '0001_settings.sql': 'CREATE TABLE core_settings (k VARCHAR(50) PRIMARY KEY, v TEXT);' },
  },
  {
    name: 'users',
    deps: ['core'],
    migrations: {
      '0001_users.up.sql': `-- users; with a comment
CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL);
/* a block comment; with a semicolon */
INSERT INTO users (id, email) VALUES (1, 'a;b@example.com');
INSERT INTO users (id, email) VALUES (2, 'it''s;me@example.com');`,
      '0001_users.down.sql': 'DROP TABLE users;',
      '0002_backfill.mjs': `export async function up(db) { await db('users').insert({ id: 3, email: 'ts@example.com' }); }
export async function down(db) { await db('users').where({ id: 3 }).delete(); }`,
    },
  },
  {
    name: 'billing',
    deps: ['users'],
    migrations: {
      '0001_invoices.sql': 'CREATE TABLE invoices (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));',
    },
  },
];

describe.each(ENGINES)('migrate on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const setup = async (modules = shop) => {
    target = await createTarget(engine);
    project = await createFixtureProject(modules);
    return { configPath: project.configPath, databaseUrl: target.url };
  };

  it('applies every migration in system-first order, each recorded once, and a rerun does nothing', async () => {
    const options = await setup();
    const first = await migrate(options);
    expect(first.result.error).toBeUndefined();
    expect(first.result.results.map((r) => `${r.module}/${r.id}`)).toEqual([
      'core/0001_settings',
      'users/0001_users',
      'users/0002_backfill',
      'billing/0001_invoices',
    ]);
    const emails = await queryTarget<{ email: string }>(target, 'SELECT email FROM users ORDER BY id');
    expect(emails.map((r) => r.email)).toEqual(['a;b@example.com', "it's;me@example.com", 'ts@example.com']);
    const table = await historyTableName('users');
    const rows = await queryTarget<{ version: string; checksum: string; state: string }>(
      target,
      `SELECT version, checksum, state FROM ${table} ORDER BY version`,
    );
    expect(rows.map((r) => r.version)).toEqual(['0001_users', '0002_backfill']);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && r.state === 'applied')).toBe(true);

    const second = await migrate(options);
    expect(second.result.results).toEqual([]);
    expect(second.result.error).toBeUndefined();
  });

  it('plan and status write nothing, not even history tables', async () => {
    const options = await setup();
    const before = target.engine === 'postgres' ? await tableNames(target) : [];
    const report = await inspect(options);
    expect(report.plan.pendingCount).toBe(4);
    expect(report.plan.modules.map((m) => m.module.name)).toEqual(['core', 'users', 'billing']);
    if (target.engine === 'sqlite') expect(existsSync(target.file!)).toBe(false);
    else expect(await tableNames(target)).toEqual(before);
  });

  it('status reports applied, pending and last applied per module', async () => {
    const options = await setup();
    await migrate({ ...options, modules: ['users'] });
    const { plan } = await inspect(options);
    const users = plan.modules.find((m) => m.module.name === 'users')!;
    expect(users.applied.map((r) => r.version)).toEqual(['0001_users', '0002_backfill']);
    expect(users.lastApplied?.version).toBe('0002_backfill');
    expect(users.lastApplied?.appliedAt).toBeInstanceOf(Date);
    const billing = plan.modules.find((m) => m.module.name === 'billing')!;
    expect(billing.pending.map((m) => m.id)).toEqual(['0001_invoices']);
  });

  it('a failing migration rolls back, stops the run, names module, id, file and line, and the next run resumes', async () => {
    const options = await setup([
      ...shop.slice(0, 2),
      {
        name: 'billing',
        deps: ['users'],
        migrations: {
          '0001_invoices.sql':
            'CREATE TABLE invoices (id INTEGER PRIMARY KEY);\nINSERT INTO invoices (id) VALUES (1);\nINSERT INTO no_such_table (id) VALUES (1);',
        },
      },
      { name: 'zz-last', deps: ['billing'], migrations: { '0001_z.sql': 'CREATE TABLE zz (id INTEGER);' } },
    ]);
    const { result } = await migrate(options);
    expect(result.error?.kind).toBe('migration-failed');
    expect(result.error?.exitCode).toBe(1);
    expect(result.error?.message).toContain('billing/0001_invoices');
    expect(result.error?.message).toContain(project.migrationPath('billing', '0001_invoices.sql'));
    expect(result.error?.message).toMatch(/no_such_table/);
    expect(result.error?.details.line).toBe(3);
    expect(result.results.at(-1)).toMatchObject({ module: 'billing', id: '0001_invoices', status: 'failed' });
    const tables = await tableNames(target);
    expect(tables).not.toContain('zz');
    if (!hasTransactionalDdl(engine)) {
      // CREATE TABLE committed implicitly: the module is dirty, the message says so, and repair
      // --retry (after the user undid it) lets migrate run the fixed file.
      expect(tables).toContain('invoices');
      expect(result.error?.message).toContain('module "billing" is now dirty');
      expect(result.error?.details.transactional).toBe(false);
      await queryTarget(target, 'DROP TABLE invoices');
      await repair({ ...options, modules: ['billing'], retry: true });
    } else {
      expect(tables).not.toContain('invoices');
    }

    await project.write(
      'modules/billing/migrations/0001_invoices.sql',
      'CREATE TABLE invoices (id INTEGER PRIMARY KEY);',
    );
    const again = await migrate(options);
    expect(again.result.error).toBeUndefined();
    expect(again.result.results.map((r) => r.id)).toEqual(['0001_invoices', '0001_z']);
  });

  it('a TS migration runs in the same transaction as its history row', async () => {
    const options = await setup([
      {
        name: 'core',
        migrations: {
          '0001_t.sql': 'CREATE TABLE t (id INTEGER PRIMARY KEY);',
          '0002_fail.mjs': `export async function up(db) { await db('t').insert({ id: 1 }); throw new Error('boom after insert'); }`,
        },
      },
    ]);
    const { result } = await migrate(options);
    expect(result.error?.message).toContain('boom after insert');
    expect(await queryTarget(target, 'SELECT * FROM t')).toEqual([]);
    const rows = await queryTarget(target, `SELECT version FROM ${await historyTableName('core')}`);
    expect(rows).toEqual([{ version: '0001_t' }]);
  });

  it('a script gets a real knex transaction: nested transactions are savepoints inside it', async () => {
    const options = await setup([
      {
        name: 'core',
        migrations: {
          '0001_nested.mjs': `export async function up(db) {
  if (db.isTransaction !== true) throw new Error('db is not a transaction');
  await db.transaction(async (trx) => { await trx.schema.createTable('t1', (t) => t.integer('id')); });
  await db.schema.createTable('t2', (t) => t.integer('id'));
  throw new Error('fail after nested work');
}`,
        },
      },
    ]);
    const { result } = await migrate(options);
    expect(result.error?.message).toContain('fail after nested work');
    const tables = await tableNames(target);
    if (!hasTransactionalDdl(engine)) {
      // CREATE TABLE committed implicitly: both tables stay, and the module is dirty until repaired.
      expect(tables).toEqual(expect.arrayContaining(['t1', 't2']));
      expect(result.error?.message).toContain('module "core" is now dirty');
      await queryTarget(target, 'DROP TABLE t1, t2');
      await repair({ ...options, modules: ['core'], retry: true });
    } else {
      expect(tables).not.toContain('t1');
      expect(tables).not.toContain('t2');
    }

    // A new file: Node caches an imported module by path for the life of this test process.
    await project.remove('modules/core/migrations/0001_nested.mjs');
    await project.write(
      'modules/core/migrations/0002_fixed.mjs',
      `export async function up(db) {
  await db.transaction(async (trx) => { await trx.schema.createTable('t1', (t) => t.integer('id')); });
  await db.schema.createTable('t2', (t) => t.integer('id'));
}`,
    );
    const again = await migrate(options);
    expect(again.result.error).toBeUndefined();
    expect(await tableNames(target)).toEqual(expect.arrayContaining(['t1', 't2']));
  });

  it('continues history tables created by the Rust runtime and adds its columns in place', async () => {
    const options = await setup();
    const table = await historyTableName('core');
    await queryTarget(
      target,
      `CREATE TABLE ${table} (version VARCHAR(255) PRIMARY KEY NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    await queryTarget(target, `INSERT INTO ${table} (version, applied_at) VALUES ('0001_settings', 1700000000)`);
    await queryTarget(target, 'CREATE TABLE core_settings (k VARCHAR(50) PRIMARY KEY, v TEXT)');
    const { result } = await migrate(options);
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => r.id)).not.toContain('0001_settings');
    const rows = await queryTarget<{ version: string; checksum: string | null }>(
      target,
      `SELECT version, checksum FROM ${table}`,
    );
    expect(rows).toEqual([{ version: '0001_settings', checksum: null }]);
    const { plan } = await inspect(options);
    expect(plan.modules[0]!.lastApplied?.appliedAt?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });
});

describe('PostgreSQL specifics', () => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it('runs dollar-quoted bodies and no-transaction CREATE INDEX CONCURRENTLY', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_fn.sql': `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
CREATE FUNCTION add_item(n TEXT) RETURNS void AS $body$
BEGIN
  INSERT INTO items (id, name) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM items), n); -- a comment; with semicolon
END;
$body$ LANGUAGE plpgsql;
SELECT add_item('first; item');`,
          '0002_index.sql':
            '-- modkit:no-transaction\nCREATE INDEX CONCURRENTLY items_name ON items (name);\nCREATE INDEX CONCURRENTLY items_id_name ON items (id, name);',
        },
      },
    ]);
    const { result } = await migrate({ configPath: project.configPath, databaseUrl: target.url });
    expect(result.error).toBeUndefined();
    expect(await queryTarget(target, 'SELECT name FROM items')).toEqual([{ name: 'first; item' }]);
    const indexes = await queryTarget<{ indexname: string }>(
      target,
      "SELECT indexname FROM pg_indexes WHERE tablename = 'items' ORDER BY 1",
    );
    expect(indexes.map((i) => i.indexname)).toEqual(['items_id_name', 'items_name', 'items_pkey']);
  });
});

describe('error lines on PostgreSQL', () => {
  it('points at the failing line even when it is far into a long first line', async () => {
    const target = await createTarget('postgres');
    const project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_x.sql': `SELECT 1;\nSELECT 2;\nSELECT 3;\nSELECT * FROM missing_table_${'x'.repeat(80)};\n`,
        },
      },
    ]);
    try {
      const { result } = await migrate({ configPath: project.configPath, databaseUrl: target.url });
      expect(result.error?.details.line).toBe(4);
    } finally {
      await target.dispose();
      await project.cleanup();
    }
  });
});
