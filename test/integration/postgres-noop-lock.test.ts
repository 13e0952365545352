/**
 * A PostgreSQL `migrate` with nothing to do reads the histories without the run lock and ends there
 * (src/execute/locked-session.ts `withoutLocksIf`), and the lock's own connection opens only when
 * the lock is first tried (src/db/postgres/postgres-lock.ts): a no-op opens one connection and sends
 * no advisory-lock statement. Connections and statements counted at pg's Client against a real
 * server. With the run lock held elsewhere a no-op succeeds, and a pending migration times out.
 */
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { postgresLockKeys } from '../../src/db/lock-key.js';
import { migrate } from '../../src/index.js';
import { createTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

/** Connections opened and statements sent by pg's clients from now on. */
function recordClients(): { connections: number; statements: string[] } {
  const seen = { connections: 0, statements: [] as string[] };
  const connect = pg.Client.prototype.connect;
  vi.spyOn(pg.Client.prototype, 'connect').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    seen.connections += 1;
    return (connect as (...a: unknown[]) => unknown).apply(this, args) as never;
  });
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const sql = args[0];
    seen.statements.push(typeof sql === 'string' ? sql : String((sql as { text?: string })?.text ?? ''));
    return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
  });
  return seen;
}

const MODULES = ['billing', 'users'].map((name) => ({
  name,
  migrations: { '0001_init.sql': `CREATE TABLE ${name}_a (id INT PRIMARY KEY);` },
}));

describe('a PostgreSQL migrate with nothing to do', () => {
  let target: TestTarget | undefined;
  let project: FixtureProject | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await target?.dispose();
    await project?.cleanup();
  });

  const run = (lockTimeoutMs?: number) =>
    migrate({
      configPath: project!.configPath,
      databaseUrl: target!.url,
      ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
    });

  it('opens one connection and takes no lock; a run with work opens the lock’s connection and takes it', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject(MODULES);
    const first = recordClients();
    expect((await run()).result.results.filter((r) => r.status === 'applied')).toHaveLength(2);
    expect(first.connections).toBe(2);
    expect(first.statements.join('\n')).toMatch(/pg_try_advisory_lock/);
    vi.restoreAllMocks();

    const noop = recordClients();
    const { result } = await run();
    expect(result.error).toBeUndefined();
    expect(result.results).toEqual([]);
    expect(result.lockWaitedMs).toBe(0);
    expect(noop.connections).toBe(1);
    expect(noop.statements.join('\n')).not.toMatch(/advisory/);
  });

  it('with the run lock held elsewhere, a no-op succeeds and a pending migration times out', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject(MODULES);
    await run();
    const holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    try {
      const { rows } = await holder.query('SELECT pg_try_advisory_lock($1::bigint) AS got', [
        postgresLockKeys('public').lock.toString(),
      ]);
      expect(rows[0].got).toBe(true);

      const { result } = await run(300);
      expect(result.error).toBeUndefined();
      expect(result.results).toEqual([]);

      await project.write('modules/users/migrations/0002_late.sql', 'CREATE TABLE users_late (id INT PRIMARY KEY);');
      await expect(run(300)).rejects.toMatchObject({ kind: 'lock-timeout' });
      const { rows: late } = await holder.query("SELECT to_regclass('users_late') AS t");
      expect(late[0].t).toBeNull();
    } finally {
      await holder.end();
    }
  });
});
