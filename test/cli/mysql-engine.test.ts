/**
 * What is particular to MariaDB/MySQL (the engine-generic suites run on it through ENGINES):
 * DELIMITER files as the mysql client and mysqldump write them, failing lines, implicit commits
 * (a crash mid-file leaves the module dirty; repair), the GET_LOCK run lock and its work barrier,
 * `--concurrency` on forked connections, and the lock and statement timeouts.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { historyTableName } from '../../src/db/history-table-name.js';
import { openSession } from '../../src/db/load-engine.js';
import type { Session } from '../../src/db/session.js';
import type { ExecuteEvent } from '../../src/execute/types.js';
import { migrate } from '../../src/index.js';
import { createTarget, ENGINES, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli, startCli } from '../support/run-cli.js';

const DUMP = readFileSync(new URL('../unit/fixtures/mysqldump-trigger-procedure.sql', import.meta.url), 'utf8');

describe.skipIf(!ENGINES.includes('mysql'))('MariaDB/MySQL engine', () => {
  let target: TestTarget;
  let project: FixtureProject;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await target?.dispose();
    await project?.cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
  const connect = async () => {
    const connection = await mysql.createConnection({ uri: target.url });
    connection.on('error', () => undefined);
    cleanups.push(() => connection.end());
    return connection;
  };

  it('runs a mysqldump (DELIMITER ;; trigger and procedure) and a DELIMITER $$ file completely', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject([
      {
        name: 'bank',
        migrations: {
          '0001_dump.sql': DUMP,
          '0002_more.sql': [
            '-- a hand-written procedure; its body has ; inside',
            'DELIMITER $$',
            'CREATE PROCEDURE note_all(IN text VARCHAR(50))',
            'BEGIN',
            "  UPDATE accounts SET note = CONCAT(text, '; ', id);",
            '  INSERT INTO audit (account_id, msg) VALUES (0, `text`);',
            'END$$',
            'DELIMITER ;',
            "INSERT INTO accounts VALUES (3, 30, 'x;y');",
          ].join('\n'),
        },
      },
    ]);
    const first = await cli('migrate', '--only');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Applied 2 migrations in 1 module/);
    // The trigger fires per updated row, the procedures run.
    await queryTarget(target, 'CALL add_interest(10)');
    await queryTarget(target, "CALL note_all('n')");
    expect(await queryTarget(target, 'SELECT id, balance, note FROM accounts ORDER BY id')).toEqual([
      { id: 1, balance: 11, note: 'n; 1' },
      { id: 2, balance: 22, note: 'n; 2' },
      { id: 3, balance: 33, note: 'n; 3' },
    ]);
    const audit = await queryTarget<{ msg: string }>(target, 'SELECT msg FROM audit ORDER BY id');
    expect(audit.map((a) => a.msg)).toEqual([
      'balance; 11',
      'balance; 22',
      'balance; 33',
      'balance; 11',
      'balance; 22',
      'balance; 33',
      'n',
    ]);
    const history = await queryTarget<{ version: string; state: string }>(
      target,
      `SELECT version, state FROM \`${await historyTableName('bank')}\` ORDER BY version`,
    );
    expect(history).toEqual([
      { version: '0001_dump', state: 'applied' },
      { version: '0002_more', state: 'applied' },
    ]);
  });

  it('a failing statement names its line in the file, after DELIMITER blocks and inside a statement', async () => {
    target = await createTarget('mysql');
    const bad = [
      '-- line 1',
      'CREATE TABLE t (id INT PRIMARY KEY);',
      'DELIMITER //',
      'CREATE PROCEDURE p()',
      'BEGIN',
      '  SELECT 1; SELECT 2;',
      'END //',
      'DELIMITER ;',
      '',
      'INSERT INTO nowhere VALUES (1);',
    ].join('\n');
    const syntax = [
      'CREATE TABLE u (',
      '  id INT PRIMARY KEY,',
      '  name VARCHAR(10) NOT NULL DEFAULT,',
      '  x INT',
      ');',
    ].join('\n');
    project = await createFixtureProject([
      { name: 'a', migrations: { '0001_bad.sql': bad } },
      { name: 'b', migrations: { '0001_syntax.sql': syntax } },
    ]);
    const first = await runCli([
      'migrate',
      '--only',
      '--module',
      'a',
      '-c',
      project.configPath,
      '--database-url',
      target.url,
    ]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`${project.migrationPath('a', '0001_bad.sql')}, line 10) failed`);
    expect(first.stderr).toMatch(/Table '.*nowhere' doesn't exist/);
    // The CREATEs before it committed implicitly: the module is dirty, and the message says so.
    expect(first.stderr).toContain('module "a" is now dirty');
    const second = await runCli([
      'migrate',
      '--only',
      '--module',
      'b',
      '-c',
      project.configPath,
      '--database-url',
      target.url,
    ]);
    expect(second.code).toBe(1);
    // The server says "at line 3" of the statement; the statement starts on line 1 of the file.
    expect(second.stderr).toContain(`${project.migrationPath('b', '0001_syntax.sql')}, line 3) failed`);
    expect(second.stderr).toContain('[ER_PARSE_ERROR]');
    // Nothing of it committed (the CREATE failed to parse): rolled back, not dirty.
    expect(second.stderr).toContain('It was rolled back');
    expect(await queryTarget(target, `SELECT * FROM \`${await historyTableName('b')}\``)).toEqual([]);
  });

  it('a data-only migration is one transaction with its history row: a failure undoes all of it, and keeps the migration before it', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject([
      {
        name: 'data',
        migrations: {
          '0001_items.sql': 'CREATE TABLE items (id INT PRIMARY KEY) ENGINE=InnoDB;',
          '0002_rows.sql':
            'INSERT INTO items VALUES (1);\nINSERT INTO items VALUES (2);\nINSERT INTO items VALUES (1);',
        },
      },
    ]);
    const r = await cli('migrate', '--only');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 3) failed');
    expect(r.stderr).toContain('It was rolled back and nothing after it ran');
    expect(await queryTarget(target, 'SELECT * FROM items')).toEqual([]);
    // 0001's applied mark was waiting for a commit (group commit): it is committed, not lost.
    expect(await queryTarget(target, `SELECT version, state FROM \`${await historyTableName('data')}\``)).toEqual([
      { version: '0001_items', state: 'applied' },
    ]);
  });

  it('killed mid-file: the module is dirty, status says so, and repair finishes the story', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_two.sql': 'CREATE TABLE k1 (id INT);\nDO SLEEP(1);\nCREATE TABLE k2 (id INT);',
          '0002_three.sql': 'CREATE TABLE k3 (id INT);',
        },
      },
    ]);
    const run = startCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
    while (!(await tableNames(target)).includes('k1')) await sleep(20);
    run.child.kill('SIGKILL');
    await run.done;

    const status = await cli('status', '--json');
    const core = (
      JSON.parse(status.stdout) as { modules: { name: string; problems: { kind: string; message: string }[] }[] }
    ).modules.find((m) => m.name === 'core')!;
    expect(core.problems.map((p) => p.kind)).toContain('dirty');
    // The next run waits for the killed run's connection to finish its statement, then refuses.
    const refused = await cli('migrate', '--only');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('module "core" is dirty');
    expect(await tableNames(target)).not.toContain('k2');

    // The user finishes the migration by hand, then tells modkit.
    await queryTarget(target, 'CREATE TABLE k2 (id INT)');
    const repaired = await runCli([
      'repair',
      '--module',
      'core',
      '-c',
      project.configPath,
      '--database-url',
      target.url,
    ]);
    expect(repaired.code, repaired.stderr).toBe(0);
    const again = await cli('migrate', '--only');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/core\s+0002_three/);
    const history = await queryTarget<{ version: string; state: string }>(
      target,
      `SELECT version, state FROM \`${await historyTableName('core')}\` ORDER BY version`,
    );
    expect(history).toEqual([
      { version: '0001_two', state: 'applied' },
      { version: '0002_three', state: 'applied' },
    ]);
  });

  it('the run lock is GET_LOCK: a holder is named on exit 3', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject([{ name: 'core', migrations: { '0001_t.sql': 'CREATE TABLE t (id INT);' } }]);
    const holder = await connect();
    const [[{ id }]] = (await holder.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    const database = new URL(target.url).pathname.slice(1);
    await holder.query('SELECT GET_LOCK(?, 0)', [`modkit:run:${database}`]);
    const r = await runCli([
      'migrate',
      '--only',
      '--lock-timeout',
      '300',
      '-c',
      project.configPath,
      '--database-url',
      target.url,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`it is held by connection ${id} (user root from `);
    expect(await tableNames(target)).not.toContain('t');
  });

  it("work barrier: a new run cannot start while a connection of an earlier run lives on, though that run's lock is gone", async () => {
    target = await createTarget('mysql');
    const database = parseDatabaseUrl(target.url, 'flag', process.cwd());
    const sessions: Session[] = [];
    cleanups.push(async () => {
      for (const s of sessions) await s.close().catch(() => undefined);
    });
    const first = await openSession(database);
    sessions.push(first);
    expect(await first.lock!.tryAcquire()).toBe(true);
    // The server ends the first run's lock connection (what a SIGKILL does at once); its migration
    // connection lives on, as one still executing a statement it was sent would.
    const [row] = await queryTarget<{ id: number }>(target, 'SELECT IS_USED_LOCK(?) AS id', [
      `modkit:run:${new URL(target.url).pathname.slice(1)}`,
    ]);
    await queryTarget(target, 'KILL ?', [row!.id]);
    const second = await openSession(database);
    sessions.push(second);
    expect(await second.lock!.tryAcquire()).toBe(false);
    expect(await second.lock!.describeHolder()).toMatch(
      /connection of an earlier run that ended abruptly, still finishing: connection \d+ \(user root from /,
    );
    await first.close();
    // The server ends a closed connection's thread (and frees its locks) a moment after the client
    // leaves: poll, as acquire-lock does.
    let acquired = false;
    for (let i = 0; i < 100 && !acquired; i++)
      acquired = await second.lock!.tryAcquire().then((ok) => ok || sleep(50).then(() => false));
    expect(acquired).toBe(true);
  });

  it('--concurrency migrates independent modules on connections of their own', async () => {
    target = await createTarget('mysql');
    const modules = ['m1', 'm2', 'm3', 'm4'].map((name) => ({
      name,
      migrations: {
        '0001_a.sql': `CREATE TABLE ${name}_a (id INT);\nDO SLEEP(0.05);`,
        '0002_b.sql': `CREATE TABLE ${name}_b (id INT);`,
      },
    }));
    project = await createFixtureProject(modules);
    const r = await cli('migrate', '--only', '--concurrency', '4');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).not.toContain('ignored');
    expect(r.stdout).toContain('Applied 8 migrations in 4 modules');
    expect((await tableNames(target)).filter((t) => /^m\d_/.test(t))).toHaveLength(8);
  });

  it('--concurrency: a module that depends on a seeded table is not blocked by the seeding connection (its group commit is settled when its module ends)', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject(
      [
        {
          name: 'a',
          migrations: {
            '0001_t.sql': 'CREATE TABLE a (id INT PRIMARY KEY);',
            '0002_wait.sql': 'DO SLEEP(0.5);',
            '0003_seed.sql': 'INSERT INTO a VALUES (1), (2), (3);',
          },
        },
        { name: 'c', migrations: { '0001_t.sql': 'CREATE TABLE c (id INT);' } },
        {
          name: 'b',
          deps: ['a'],
          migrations: { '0001_t.sql': 'CREATE TABLE b (id INT);', '0002_copy.sql': 'INSERT INTO b SELECT id FROM a;' },
        },
      ],
      { dbLockTimeoutMs: 1000, dbLockRetries: 1 },
    );
    const r = await cli('migrate', '--only', '--concurrency', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(await queryTarget<{ n: number }>(target, 'SELECT count(*) AS n FROM b')).toEqual([{ n: 3 }]);
  });

  it('lock timeout: the ALTER gives up after lock_wait_timeout, retries, and succeeds once the holder is gone', async () => {
    target = await createTarget('mysql');
    await queryTarget(target, 'CREATE TABLE accounts (id INT PRIMARY KEY) ENGINE=InnoDB');
    project = await createFixtureProject(
      [{ name: 'accounts', migrations: { '0001_add_plan.sql': 'ALTER TABLE accounts ADD COLUMN plan VARCHAR(10);' } }],
      { dbLockTimeoutMs: 1000 },
    );
    const holder = await connect();
    await holder.query('START TRANSACTION');
    await holder.query('SELECT count(*) FROM accounts'); // a shared metadata lock until COMMIT
    const released = sleep(2_500).then(() => holder.query('COMMIT'));
    const events: ExecuteEvent[] = [];
    const { result } = await migrate({
      configPath: project.configPath,
      databaseUrl: target.url,
      onEvent: (e) => events.push(e),
    });
    await released;
    expect(result.error).toBeUndefined();
    const retries = events.filter((e) => e.type === 'lock-retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({ module: 'accounts', id: '0001_add_plan', attempt: 1, lockTimeoutMs: 1000 });
    expect(
      await queryTarget(
        target,
        "SELECT 1 AS ok FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'accounts' AND column_name = 'plan'",
      ),
    ).toEqual([{ ok: 1 }]);
  });

  it('statement timeout: a file may bound its statements (MariaDB max_statement_time)', async () => {
    target = await createTarget('mysql');
    project = await createFixtureProject([
      {
        name: 'slow',
        migrations: {
          '0001_slow.sql': '-- modkit:statement-timeout 200ms\nCREATE TABLE s (id INT);\nSELECT SLEEP(5);',
        },
      },
    ]);
    const r = await cli('migrate', '--only');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 3) failed');
    expect(r.stderr).toMatch(/max_statement_time|maximum statement execution time/i);
  });
});
