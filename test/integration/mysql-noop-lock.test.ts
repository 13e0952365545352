/**
 * A MariaDB/MySQL `migrate` with nothing to do reads the histories without the run lock and ends
 * there (src/execute/locked-session.ts `withoutLocksIf`): one connection and three statements (the
 * session setup, the catalog, the histories), where it took two connections and eight (the lock's
 * GET_LOCK, the work slots' IS_USED_LOCK and GET_LOCK, RELEASE_LOCK). Counted at mysql2 against a
 * real server. The lock still guards every run with something to do: with the run lock held by
 * another connection a no-op succeeds at once and a pending migration times out, and two runs
 * started together apply a pending migration exactly once.
 */
import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { databaseOf } from '../../src/db/mysql/mysql-connection.js';
import { lockNames } from '../../src/db/mysql/mysql-lock.js';
import { migrate } from '../../src/index.js';
import { countRows, createTarget, ENGINES, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

/** The statements each new mysql2 connection sends from now on, one list per connection. */
function recordConnections(): string[][] {
  const connections: string[][] = [];
  const create = mysql.createConnection.bind(mysql);
  vi.spyOn(mysql, 'createConnection').mockImplementation((async (options: mysql.ConnectionOptions) => {
    const connection = await create(options);
    const sent: string[] = [];
    connections.push(sent);
    const query = connection.query.bind(connection) as (...args: unknown[]) => unknown;
    (connection as { query: unknown }).query = (sql: unknown, ...rest: unknown[]) => {
      sent.push(String(sql));
      return query(sql, ...rest);
    };
    return connection;
  }) as never);
  return connections;
}

const MODULES = ['billing', 'orders', 'users'].map((name) => ({
  name,
  migrations: {
    '0001_init.sql': `CREATE TABLE ${name}_a (id INT PRIMARY KEY);`,
    '0002_more.sql': `CREATE TABLE ${name}_b (id INT PRIMARY KEY);`,
  },
}));

describe.skipIf(!ENGINES.includes('mysql'))('a MariaDB/MySQL migrate with nothing to do', () => {
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

  it('opens one connection, sends three statements and takes no lock', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject(MODULES);
    expect((await run()).result.results.filter((r) => r.status === 'applied')).toHaveLength(6);

    const connections = recordConnections();
    const { result } = await run();
    expect(result.error).toBeUndefined();
    expect(result.results).toEqual([]);
    expect(result.lockWaitedMs).toBe(0);
    expect(connections).toHaveLength(1);
    expect(connections[0]).toHaveLength(3);
    expect(connections[0]![0]).toMatch(/^SET NAMES/);
    expect(connections.flat().join('\n')).not.toMatch(/GET_LOCK|IS_USED_LOCK|RELEASE_LOCK/);
  });

  it('takes the lock for a pending migration: held elsewhere, a no-op succeeds and an apply times out', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject(MODULES);
    await run();
    const holder = await mysql.createConnection({ uri: target.url });
    try {
      const [[row]] = (await holder.query('SELECT GET_LOCK(?, 0) AS got', [
        lockNames(databaseOf(target.url)).run,
      ])) as unknown as [[{ got: number }]];
      expect(Number(row.got)).toBe(1);

      const { result } = await run(300);
      expect(result.error).toBeUndefined();
      expect(result.results).toEqual([]);

      await project.write('modules/users/migrations/0003_late.sql', 'CREATE TABLE users_c (id INT PRIMARY KEY);');
      const connections = recordConnections();
      await expect(run(300)).rejects.toMatchObject({ kind: 'lock-timeout' });
      expect(connections.flat().join('\n')).toMatch(/GET_LOCK/);
      expect(await countRows(target, 'information_schema.tables WHERE table_name = "users_c"')).toBe(0);
    } finally {
      await holder.end();
    }
  });

  it('two runs started together apply a pending migration exactly once', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject(MODULES);
    await run();
    await project.write(
      'modules/users/migrations/0003_slow.sql',
      'CREATE TABLE users_slow (id INT PRIMARY KEY);\nDO SLEEP(0.3);\nINSERT INTO users_slow VALUES (1);',
    );
    const reports = await Promise.all([run(), run()]);
    const applied = reports.flatMap((r) => r.result.results.filter((m) => m.status === 'applied'));
    expect(reports.map((r) => r.result.error)).toEqual([undefined, undefined]);
    expect(applied.map((m) => m.id)).toEqual(['0003_slow']);
    expect(await countRows(target, `${databaseOf(target.url)}.users_slow`)).toBe(1);
  });
});
