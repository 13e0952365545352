import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProject, runPipeline } from '../../src/index.js';
import { createTarget, type TestTarget } from '../support/engines.js';
import { recordingModule, resetRecorder, type LifecycleRecorder } from '../support/lifecycle-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { pgUrl } from '../support/postgres.js';

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let project: FixtureProject | undefined;
let target: TestTarget | undefined;
let lc: LifecycleRecorder;
beforeEach(() => {
  lc = resetRecorder();
});
afterEach(async () => {
  await target?.dispose();
  await project?.cleanup();
  target = project = undefined;
});

describe('runtime handle on PostgreSQL with a least-privilege runtime.url', () => {
  let role: string | undefined;
  afterEach(async () => {
    // The database holds the role's grants: drop it first, then the role (roles are server-wide).
    await target?.dispose();
    target = undefined;
    if (role) await admin(pgUrl(), (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
    role = undefined;
  });

  it('ctx.db runs as the restricted role, cannot run DDL, and no privileged connection is open once init starts', async () => {
    target = await createTarget('postgres');
    const db = target;
    role = `modkit_rt_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(9).toString('hex');
    await admin(db.url, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await c.query(`GRANT CONNECT ON DATABASE "${new URL(db.url).pathname.slice(1)}" TO ${role}`);
      await c.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      // Tables the migrations create (as the privileged user) become readable by the role.
      await c.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${role}`);
    });
    const runtimeUrl = new URL(db.url);
    runtimeUrl.username = role;
    runtimeUrl.password = password;

    // Called from inside init: what the server sees at that moment, through a separate admin session.
    lc.hooks.sessions = () =>
      admin(
        db.url,
        async (c) =>
          (
            await c.query(
              `SELECT usename, application_name FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY 1, 2`,
            )
          ).rows,
      );
    project = await createFixtureProject(
      [
        recordingModule({
          name: 'catalog',
          migrations: {
            '0001_products.sql':
              "CREATE TABLE products (sku VARCHAR(20) PRIMARY KEY); INSERT INTO products VALUES ('mug');",
          },
          init: `lc.facts.sessions = await lc.hooks.sessions();
                 lc.facts.user = (await ctx.db.raw('SELECT current_user AS u')).rows[0].u;
                 lc.facts.products = (await ctx.db('products').select('sku')).map((r) => r.sku);
                 try { await ctx.db.raw('CREATE TABLE sneaky (id INT)'); lc.facts.ddl = 'allowed'; } catch (e) { lc.facts.ddl = e.code; }
                 lc.facts.sessionsAfterQueries = await lc.hooks.sessions();`,
        }),
      ],
      { runtime: { url: runtimeUrl.toString() } },
    );
    const loaded = await loadProject({ configPath: project.configPath, databaseUrl: db.url });
    const controller = new AbortController();
    const report = await runPipeline(loaded, {
      mode: 'full',
      signal: controller.signal,
      onLifecycleEvent: (e) => e.type === 'state' && e.state === 'running' && !e.module && controller.abort(),
    });
    expect(report.error).toBeUndefined();
    expect(lc.facts.user).toBe(role);
    expect(lc.facts.products).toEqual(['mug']);
    expect(lc.facts.ddl).toBe('42501'); // insufficient_privilege
    // Once init starts, the only sessions on this database belong to the runtime pool: the
    // migration connection (application_name 'modkit', the privileged user) is gone.
    const sessions = [...(lc.facts.sessions as object[]), ...(lc.facts.sessionsAfterQueries as object[])];
    expect(sessions).toContainEqual({ usename: role, application_name: 'modkit-runtime' });
    expect(sessions.every((s) => (s as { usename: string }).usename === role)).toBe(true);
    expect(sessions.some((s) => (s as { application_name: string }).application_name === 'modkit')).toBe(false);
    // After stop the runtime pool is destroyed too.
    const left = await admin(
      db.url,
      async (c) =>
        (await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1`, [role])).rows[0].n,
    );
    expect(left).toBe(0);
  });

  it('a wrong runtime.url fails before any init with exit 5, and the password never shows', async () => {
    target = await createTarget('postgres');
    const runtimeUrl = new URL(target.url);
    runtimeUrl.username = 'nobody_here';
    runtimeUrl.password = 'S3cretPw';
    project = await createFixtureProject([recordingModule({ name: 'catalog' })], {
      runtime: { url: runtimeUrl.toString() },
    });
    const loaded = await loadProject({ configPath: project.configPath, databaseUrl: target.url });
    const report = await runPipeline(loaded, { mode: 'full' });
    expect(report.error?.exitCode).toBe(5);
    expect(report.error?.message).not.toContain('S3cretPw');
    expect(lc.events).not.toContain('init:catalog');
  });
});

describe('ctx.db with no database configured at all', () => {
  it('a module without migrations gets a ctx.db that explains itself when used; one with migrations gets the embedded file', async () => {
    project = await createFixtureProject([
      recordingModule({
        name: 'owner',
        migrations: { '0001_t.sql': 'CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (7);' },
        init: "lc.facts.owner = (await ctx.db('t').select('id'))[0].id;",
      }),
      recordingModule({ name: 'pure', init: "try { await ctx.db('t'); } catch (e) { lc.facts.error = e.message; }" }),
    ]);
    const loaded = await loadProject({ configPath: project.configPath, env: {} });
    expect(loaded.config.database.source).toBe('default');
    const controller = new AbortController();
    const report = await runPipeline(loaded, {
      mode: 'full',
      signal: controller.signal,
      onLifecycleEvent: (e) => e.type === 'state' && e.state === 'running' && !e.module && controller.abort(),
    });
    expect(report.error).toBeUndefined();
    expect(lc.facts.owner).toBe(7);
    expect(lc.facts.error).toMatch(/module "pure" .* used ctx\.db, but it has no database/);
    expect(lc.facts.error).toContain('runtime.url');
  });
});
