/**
 * Safe deploys on a live database (issue 14): a migration waiting for a lock blocks every query
 * queued behind it. With a lock timeout it gives up quickly, rolls back, lets the queue drain,
 * and tries again; without one, readers pile up behind it for as long as the lock is held.
 * One session holds ACCESS SHARE on a table for 3 s, the migration ALTERs it, another session reads
 * it every 100 ms: the assertions are on what the readers saw.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/index.js';
import type { ExecuteEvent } from '../../src/execute/types.js';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

const HOLD_MS = 3_000;

describe('lock timeouts with retries (PostgreSQL)', () => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  /** Runs the scenario; returns the readers' latencies and the migration's outcome. */
  const scenario = async (config: Record<string, unknown>) => {
    target = await createTarget('postgres');
    await queryTarget(
      target,
      'CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO accounts SELECT g, g::text FROM generate_series(1, 100) g',
    );
    project = await createFixtureProject(
      [{ name: 'accounts', migrations: { '0001_add_plan.sql': 'ALTER TABLE accounts ADD COLUMN plan TEXT;' } }],
      config,
    );

    const holder = new pg.Client({ connectionString: target.url, application_name: 'long-report' });
    const reader = new pg.Client({ connectionString: target.url, application_name: 'reader' });
    await Promise.all([holder.connect(), reader.connect()]);
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM accounts'); // ACCESS SHARE until COMMIT
    const released = sleep(HOLD_MS).then(() => holder.query('COMMIT'));

    let reading = true;
    const latencies: number[] = [];
    const readers = (async () => {
      while (reading) {
        const started = performance.now();
        await reader.query('SELECT count(*) FROM accounts');
        latencies.push(performance.now() - started);
        await sleep(100);
      }
    })();

    const events: ExecuteEvent[] = [];
    const { result } = await migrate({
      configPath: project.configPath,
      databaseUrl: target.url,
      onEvent: (e) => events.push(e),
    });
    await released;
    reading = false;
    await readers;
    await Promise.all([holder.end(), reader.end()]);
    return { result, latencies, retries: events.filter((e) => e.type === 'lock-retry') };
  };

  it('with a lock timeout, readers never queue for long; the migration retries, naming the holder, and succeeds once it is gone', async () => {
    const { result, latencies, retries } = await scenario({ dbLockTimeoutMs: 200 });
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => [r.id, r.status])).toEqual([['0001_add_plan', 'applied']]);
    expect(
      await queryTarget(
        target,
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'plan'",
      ),
    ).toHaveLength(1);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({
      type: 'lock-retry',
      module: 'accounts',
      id: '0001_add_plan',
      attempt: 1,
      tries: 5,
      lockTimeoutMs: 200,
    });
    expect(retries.flatMap((r) => (r.type === 'lock-retry' ? r.blockers : [])).join('\n')).toContain(
      'application "long-report"',
    );
    // Readers waited at most about one lock timeout at a time: far less than the holder's 3 s.
    expect(Math.max(...latencies)).toBeLessThan(HOLD_MS / 2);
  });

  it('without a lock timeout, readers pile up behind the waiting ALTER for as long as the lock is held', async () => {
    const { result, latencies, retries } = await scenario({ dbLockTimeoutMs: 0 });
    expect(result.error).toBeUndefined();
    expect(retries).toEqual([]);
    expect(Math.max(...latencies)).toBeGreaterThanOrEqual(HOLD_MS / 2);
  });

  it('gives up after the last try with exit 1, naming the holder; a file may set its own timeout', async () => {
    target = await createTarget('postgres');
    await queryTarget(target, 'CREATE TABLE accounts (id INTEGER PRIMARY KEY)');
    project = await createFixtureProject(
      [
        {
          name: 'accounts',
          migrations: {
            '0001_add_plan.sql': '-- modkit:lock-timeout 100ms\nALTER TABLE accounts ADD COLUMN plan TEXT;',
          },
        },
      ],
      { dbLockRetries: 2 },
    );
    const holder = new pg.Client({ connectionString: target.url, application_name: 'long-report' });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM accounts');
    try {
      const events: ExecuteEvent[] = [];
      const { result } = await migrate({
        configPath: project.configPath,
        databaseUrl: target.url,
        onEvent: (e) => events.push(e),
      });
      expect(events.filter((e) => e.type === 'lock-retry')).toHaveLength(1);
      expect(result.error?.exitCode).toBe(1);
      expect(result.error?.message).toContain('Migration accounts/0001_add_plan');
      expect(result.error?.message).toContain(
        'could not get a lock within its lock timeout of 100 ms: canceling statement due to lock timeout [55P03]',
      );
      expect(result.error?.message).toContain('application "long-report"');
      expect(result.error?.message).toContain('It was rolled back each time and nothing after it ran');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });
});
