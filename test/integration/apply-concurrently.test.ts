import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/index.js';
import type { ExecuteEvent } from '../../src/execute/types.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';

/**
 * A binary tree of 7 modules (k depends on (k-1)/2), 3 migrations each; module 0 is a system module.
 * The failing migration fails when it runs (a syntax error would be refused by migrate's lint first).
 */
function tree(failing?: string): FixtureModule[] {
  return Array.from({ length: 7 }, (_, k) => {
    const name = `mod${k}`;
    return {
      name,
      system: k === 0,
      deps: k === 0 ? [] : [`mod${Math.floor((k - 1) / 2)}`],
      migrations: Object.fromEntries(
        [1, 2, 3].map((i) => [
          `000${i}_t${i}.sql`,
          name === failing && i === 2
            ? 'SELECT * FROM no_such_table'
            : `CREATE TABLE ${name}_t${i} (id INTEGER PRIMARY KEY);`,
        ]),
      ),
    };
  });
}

describe('--concurrency on postgres', () => {
  let target: TestTarget | undefined;
  let project: FixtureProject | undefined;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it('applies everything, never starting a module before its dependencies are done', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject(tree());
    const { result } = await migrate({ configPath: project.configPath, databaseUrl: target.url, concurrency: 3 });
    expect(result.error).toBeUndefined();
    expect(result.results).toHaveLength(21);
    const first = (m: string) => result.results.findIndex((r) => r.module === m);
    const last = (m: string) => result.results.map((r) => r.module).lastIndexOf(m);
    for (let k = 1; k < 7; k += 1) expect(first(`mod${k}`)).toBeGreaterThan(last(`mod${Math.floor((k - 1) / 2)}`));
    const tables = await queryTarget<{ n: number }>(
      target,
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE 'mod%\\_t%'",
    );
    expect(tables[0]!.n).toBe(21);
  });

  it('waits for indirect dependencies through a module with nothing pending', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([
      { name: 'a', migrations: { '0001_a.sql': 'SELECT pg_sleep(0.5);\nCREATE TABLE a_t (id INTEGER PRIMARY KEY);' } },
      { name: 'b', deps: ['a'] },
      {
        name: 'c',
        deps: ['b'],
        migrations: { '0001_c.sql': 'CREATE TABLE c_t (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a_t (id));' },
      },
      { name: 'd', migrations: { '0001_d.sql': 'CREATE TABLE d_t (id INTEGER);' } },
    ]);
    const { result } = await migrate({ configPath: project.configPath, databaseUrl: target.url, concurrency: 3 });
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => r.module).indexOf('c')).toBeGreaterThan(
      result.results.map((r) => r.module).indexOf('a'),
    );
  });

  it('stops scheduling after a failure, keeps what completed, and reports the failure', async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject(tree('mod1'));
    const { result } = await migrate({ configPath: project.configPath, databaseUrl: target.url, concurrency: 2 });
    expect(result.error?.kind).toBe('migration-failed');
    expect(result.error?.message).toContain('mod1/0002_t2');
    const failed = result.results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => `${r.module}/${r.id}`)).toEqual(['mod1/0002_t2']);
    // mod3 and mod4 depend on mod1: never started.
    expect(result.results.some((r) => r.module === 'mod3' || r.module === 'mod4')).toBe(false);
    const applied = await queryTarget<{ n: number }>(
      target,
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE 'mod%\\_t%'",
    );
    expect(applied[0]!.n).toBe(result.results.filter((r) => r.status === 'applied').length);
  });
});

describe('--concurrency on sqlite', () => {
  it('falls back to the exact order with a warning', async () => {
    const target = await createTarget('sqlite');
    const project = await createFixtureProject(tree());
    try {
      const events: ExecuteEvent[] = [];
      const { result } = await migrate({
        configPath: project.configPath,
        databaseUrl: target.url,
        concurrency: 4,
        onEvent: (e) => events.push(e),
      });
      expect(result.error).toBeUndefined();
      expect(result.results.map((r) => r.module)).toEqual(tree().flatMap((m) => [m.name, m.name, m.name]));
      expect(events.some((e) => e.type === 'warning' && e.message.includes('--concurrency 4 ignored'))).toBe(true);
    } finally {
      await target.dispose();
      await project.cleanup();
    }
  });
});
