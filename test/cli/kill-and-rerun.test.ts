/**
 * The lock invariant (issue 11, docs/safety.md): no statement of a new run overlaps any statement
 * of an earlier run, even one killed with SIGKILL. A runner is killed at each point of a migration
 * — before its body, in the middle, after it, inside the history insert — and a new runner starts at
 * once, while the dead run's backend may still be finishing (and committing) what it was sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { historyTableName } from '../../src/db/history-table-name.js';
import { openSession } from '../../src/db/load-engine.js';
import type { Session } from '../../src/db/session.js';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { startCli } from '../support/run-cli.js';

/** Advisory locks the test holds; the migration waits on them, one per kill point. */
const GATES = { beforeBody: 4242001, midBody: 4242002, afterBody: 4242003, historyInsert: 4242004 } as const;
type KillPoint = keyof typeof GATES;

// The first line turns the server's client check off for this transaction: the dead run's backend
// then runs to the end of what it was sent, as on PostgreSQL < 14 or with a statement that ends
// before the check comes round — the worst case.
const GHOST = `SET LOCAL client_connection_check_interval = 0;
SELECT pg_advisory_xact_lock(${GATES.beforeBody});
CREATE TABLE ghost1 (x int);
SELECT pg_advisory_xact_lock(${GATES.midBody});
CREATE TABLE ghost2 (x int);
SELECT pg_advisory_xact_lock(${GATES.afterBody});
`;

describe('SIGKILL, then a new run at once (PostgreSQL)', () => {
  let target: TestTarget;
  let project: FixtureProject;
  let gates: pg.Client | undefined;
  afterEach(async () => {
    await gates?.end().catch(() => undefined);
    gates = undefined;
    await target?.dispose();
    await project?.cleanup();
  });

  /** A database whose history insert also waits on a gate (a trigger), and a client holding every gate. */
  const setup = async () => {
    target = await createTarget('postgres');
    project = await createFixtureProject([{ name: 'ghost', migrations: { '0001_ghost.sql': GHOST } }]);
    const table = await historyTableName('ghost');
    await queryTarget(
      target,
      `CREATE TABLE "${table}" (version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, checksum VARCHAR(64), duration_ms INTEGER, state VARCHAR(16), run_id VARCHAR(36));
       CREATE FUNCTION gate_history() RETURNS trigger AS $$ BEGIN PERFORM pg_advisory_xact_lock(${GATES.historyInsert}); RETURN NEW; END $$ LANGUAGE plpgsql;
       CREATE TRIGGER gate_history BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION gate_history();`,
    );
    gates = new pg.Client({ connectionString: target.url });
    await gates.connect();
    for (const key of Object.values(GATES)) await gates.query('SELECT pg_advisory_lock($1)', [key]);
    return table;
  };

  /** How many modkit migration backends wait on `gate` (observed in pg_locks). */
  const waitingOn = async (gate: number): Promise<number> => {
    const { rows } = await gates!.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = $1 AND a.application_name = 'modkit'
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`, // pg_locks is cluster-wide: other suites run this file too
      [gate],
    );
    return rows[0].n as number;
  };
  const until = async (condition: () => Promise<boolean> | boolean) => {
    while (!(await condition())) await sleep(20);
  };

  const killAt = async (point: KillPoint) => {
    const table = await setup();
    const args = ['migrate', '--only', '-c', project.configPath, '--database-url', target.url];
    // Open the gates before the kill point, so the migration runs up to it and waits there.
    for (const [name, key] of Object.entries(GATES)) {
      if (name === point) break;
      await gates!.query('SELECT pg_advisory_unlock($1)', [key]);
    }
    const victim = startCli(args);
    await until(async () => (await waitingOn(GATES[point])) > 0);
    victim.child.kill('SIGKILL');
    await victim.done;
    // The dead run's backend is still there, waiting at the gate. A new run starts at once; once it
    // is either waiting for the lock or (were the lock broken) already in its own body at the first
    // gate, the dead run's backend is let go: it finishes and commits what it was sent.
    const rerun = startCli(args);
    await until(
      async () =>
        /Waiting for the migration lock/.test(rerun.stdout()) ||
        (await waitingOn(GATES.beforeBody)) > (point === 'beforeBody' ? 1 : 0),
    );
    await gates!.query('SELECT pg_advisory_unlock_all()');
    const result = await rerun.done;
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(
      /Waiting for the migration lock, held by the backend of an earlier run that ended abruptly/,
    );
    expect(result.stderr).not.toMatch(/duplicate key|already exists/);
    // Exactly one apply, whichever run it was: the tables exist and the history holds one row.
    expect(await tableNames(target)).toEqual(expect.arrayContaining(['ghost1', 'ghost2']));
    const rows = await queryTarget<{ version: string; state: string }>(target, `SELECT version, state FROM "${table}"`);
    expect(rows).toEqual([{ version: '0001_ghost', state: 'applied' }]);
  };

  for (const point of Object.keys(GATES) as KillPoint[]) {
    it(`killed ${point}: the new run waits for the dead run's backend, then finds the truth`, async () => {
      await killAt(point);
    });
  }
});

describe('the work barrier (PostgreSQL)', () => {
  let target: TestTarget;
  const sessions: Session[] = [];
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close().catch(() => undefined);
    await target?.dispose();
  });

  it("a new run cannot start while a connection of an earlier run lives on, though that run's lock is gone", async () => {
    target = await createTarget('postgres');
    const database = parseDatabaseUrl(target.url, 'flag', process.cwd());
    const first = await openSession(database);
    sessions.push(first);
    expect(await first.lock!.tryAcquire()).toBe(true);
    // The server ends the first run's lock connection (what a SIGKILL does at once); its migration
    // connection lives on, as a backend still executing a statement it was sent would.
    await queryTarget(
      target,
      "SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'modkit-lock'",
    );
    const second = await openSession(database);
    sessions.push(second);
    expect(await second.lock!.tryAcquire()).toBe(false);
    expect(await second.lock!.describeHolder()).toMatch(
      /backend of an earlier run that ended abruptly, still finishing: backend pid \d+ \(user \w+, application "modkit"/,
    );
    await first.close();
    expect(await second.lock!.tryAcquire()).toBe(true);
  });
});

describe('SIGKILL, then a new run at once (SQLite)', () => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it.each(['first', 'last'] as const)(
    'killed in the %s migration of a group: the rerun applies what is missing, each exactly once',
    async (where) => {
      target = await createTarget('sqlite');
      // A script that signals where it is, then waits for ever — unless told to go on (the rerun).
      const waiting = (name: string) => `import { writeFileSync } from 'node:fs';
export async function up(db) {
  await db.schema.createTable('${name}', (t) => t.integer('x'));
  if (process.env.GHOST_GO) return;
  writeFileSync(process.env.GHOST_MARKER, '${name}');
  await new Promise(() => setInterval(() => {}, 1000));
}`;
      const migrations: Record<string, string> = {
        '0001_a.sql': 'CREATE TABLE a (x int);',
        '0002_b.sql': 'CREATE TABLE b (x int);',
        [where === 'first' ? '0000_wait.mjs' : '0003_wait.mjs']: waiting('waited'),
      };
      project = await createFixtureProject([{ name: 'ghost', migrations }]);
      const marker = `${project.dir}/marker`;
      const args = ['migrate', '--only', '-c', project.configPath, '--database-url', target.url];
      const victim = startCli(args, { env: { GHOST_MARKER: marker } });
      await waitForFile(marker);
      victim.child.kill('SIGKILL');
      await victim.done;
      const rerun = await startCli(args, { env: { GHOST_GO: '1' } }).done;
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(await tableNames(target)).toEqual(expect.arrayContaining(['a', 'b', 'waited']));
      const rows = await queryTarget<{ version: string }>(
        target,
        `SELECT version FROM "${await historyTableName('ghost')}" ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual(
        Object.keys(migrations)
          .map((f) => f.replace(/\.\w+$/, ''))
          .sort(),
      );
    },
  );
});

async function waitForFile(path: string): Promise<void> {
  const { existsSync } = await import('node:fs');
  while (!existsSync(path)) await sleep(20);
}
