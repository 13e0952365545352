/**
 * Issue 19 §5 (and §2's dropped connection): "applied" is final only once the commit that makes it
 * so succeeded — PostgreSQL's durable flush of its asynchronous commits, MariaDB's commit of the
 * marks that wait. When that commit fails (here: the connection killed just before it), the run
 * fails naming exactly the migrations in doubt, and the next plain migrate does the right thing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { openSession } from '../../src/db/load-engine.js';
import type { Session } from '../../src/db/session.js';
import { runDbPhase } from '../../src/execute/db-phase.js';
import { migrate } from '../../src/index.js';
import { loadProject } from '../../src/project/load-project.js';
import { createTarget, ENGINES, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

/** Kills the session's working connection from another one, as a network failure or a server restart would. */
async function killWorkingConnection(target: TestTarget, session: Session): Promise<void> {
  const connection = (session as unknown as { driver: { runner: { pid?: number; id?: number } } }).driver.runner;
  if (target.engine === 'postgres') {
    await queryTarget(target, 'SELECT pg_terminate_backend($1)', [connection.pid]);
    return;
  }
  const admin = await mysql.createConnection({ uri: target.url });
  try {
    await admin.query('KILL CONNECTION ?', [connection.id]);
  } finally {
    await admin.end();
  }
}

describe.each(ENGINES.filter((e) => e !== 'sqlite'))('a failed final commit (%s)', (engine) => {
  let target: TestTarget | undefined;
  let project: FixtureProject | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await target?.dispose();
    target = project = undefined;
  });

  it('fails the run naming the migrations in doubt; the next migrate does what the database needs', async () => {
    target = await createTarget(engine);
    // Data only after the first: on MariaDB their marks wait for the final commit with them.
    project = await createFixtureProject([
      {
        name: 'a',
        migrations: {
          '0001_t.sql': 'CREATE TABLE t (v INT);\n',
          '0002_one.sql': 'INSERT INTO t VALUES (1);\n',
          '0003_two.sql': 'INSERT INTO t VALUES (2);\n',
        },
      },
    ]);
    const loaded = await loadProject({ configPath: project.configPath, databaseUrl: target.url });
    const t = target;
    const open = async (where: Parameters<typeof openSession>[0]): Promise<Session> => {
      const session = await openSession(where);
      let killed = false;
      return new Proxy(session, {
        get(real, property) {
          if (property === 'flush') {
            return async () => {
              if (!killed) {
                killed = true;
                await killWorkingConnection(t, real);
              }
              return real.flush();
            };
          }
          const value: unknown = Reflect.get(real, property, real);
          return typeof value === 'function' ? value.bind(real) : value;
        },
      });
    };
    const result = await runDbPhase(loaded.config, loaded.modules, { lockTimeoutMs: 10_000, open });
    expect(result.error?.kind).toBe('migration-failed');
    expect(result.error?.message).toContain("the database did not confirm the commit of this run's last migrations");
    const doubt = engine === 'postgres' ? ['0001_t', '0002_one', '0003_two'] : ['0003_two'];
    expect(result.error?.details.unconfirmed).toEqual(doubt.map((id) => ({ module: 'a', id })));
    expect(result.results.map((r) => `${r.id} ${r.status}`)).toEqual(
      ['0001_t', '0002_one', '0003_two'].map((id) => `${id} ${doubt.includes(id) ? 'unconfirmed' : 'applied'}`),
    );

    // The server did not crash: PostgreSQL's commits stand (nothing to do); MariaDB lost the last
    // migration's waiting transaction whole (data and marks), and the next run applies it again.
    const next = await migrate({ configPath: project.configPath, databaseUrl: target.url });
    expect(next.result.error).toBeUndefined();
    expect(next.result.results.map((r) => r.id)).toEqual(engine === 'postgres' ? [] : ['0003_two']);
    expect(await queryTarget(target, 'SELECT v FROM t ORDER BY v')).toEqual([{ v: 1 }, { v: 2 }]);
  });
});
