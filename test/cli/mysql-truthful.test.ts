/**
 * Issue 19 on MariaDB/MySQL: work reported as applied is never undone (§2, a real deadlock after a
 * pending group), every migration starts from the session the `mariadb` client would give it
 * (§3: `USE`, `sql_mode`, IGNORE_SPACE, collation — compared with the client itself), the failing
 * line as the server names it, and the lock-timeout message (§5: the real timeout, one instruction).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli, startCli } from '../support/run-cli.js';

const TABLE = historyTableNameSync('a');

/** Runs a file with the `mariadb` (or `mysql`) client, as a user would, against the database of `url`. */
function client(url: string, file: string): void {
  const u = new URL(url);
  const bin = ['mariadb', 'mysql'].find((b) => {
    try {
      execFileSync(b, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!bin) throw new Error('no mariadb or mysql client installed');
  const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username)];
  if (u.password) args.push(`-p${decodeURIComponent(u.password)}`);
  execFileSync(bin, [...args, u.pathname.slice(1)], { input: readFileSync(file), stdio: ['pipe', 'ignore', 'pipe'] });
}

describe.skipIf(!ENGINES.includes('mysql'))('MariaDB/MySQL: truthful runs', () => {
  let target: TestTarget | undefined;
  let other: TestTarget | undefined;
  let project: FixtureProject | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await target?.dispose();
    await other?.dispose();
    await project?.cleanup();
    target = other = project = undefined;
  });
  const cli = (...args: string[]) => runCli([...args, '-c', project!.configPath, '--database-url', target!.url]);
  const connect = async (url = target!.url) => {
    const connection = await mysql.createConnection({ uri: url });
    connection.on('error', () => undefined);
    cleanups.push(() => connection.end());
    return connection;
  };
  const history = (t = target!) =>
    queryTarget<{ version: string; state: string }>(t, `SELECT version, state FROM ${TABLE} ORDER BY version`);

  it('§2: a deadlock victim never takes the migrations reported applied before it', async () => {
    target = await createTarget('mysql');
    const setup =
      'CREATE TABLE accounts (id INT PRIMARY KEY, x INT) ENGINE=InnoDB;\nINSERT INTO accounts VALUES (1, 0), (2, 0);\n' +
      'CREATE TABLE filler (id INT PRIMARY KEY, x INT) ENGINE=InnoDB;\nCREATE TABLE log (v VARCHAR(10)) ENGINE=InnoDB;\n';
    // No lock timeout can end the wait below: only the deadlock does.
    project = await createFixtureProject([{ name: 'a', migrations: { '0001_tables.sql': setup } }], {
      dbLockTimeoutMs: 600_000,
      dbLockRetries: 1,
    });
    expect((await cli('migrate', '--only')).code).toBe(0);
    await queryTarget(
      target,
      'INSERT INTO filler (id, x) WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 900) SELECT n, 0 FROM s',
    );

    // 0002 and 0003 change data only: 0002's marks wait for a commit while 0003 runs.
    await project.write('modules/a/migrations/0002_data.sql', "INSERT INTO log VALUES ('0002');\n");
    await project.write(
      'modules/a/migrations/0003_victim.sql',
      'UPDATE accounts SET x = 3 WHERE id = 1;\nUPDATE accounts SET x = 3 WHERE id = 2;\n',
    );
    // The other transaction is heavy (900 rows), so the server picks modkit's as the victim.
    const holder = await connect();
    await holder.query('START TRANSACTION');
    await holder.query('UPDATE filler SET x = x + 1');
    await holder.query('UPDATE accounts SET x = 9 WHERE id = 2');
    const run = startCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
    // Wait until 0003 holds row 1 and runs its update of row 2; then take row 1: a deadlock. The processlist
    // says so at once; INNODB_TRX, an information_schema cache, was seen to list modkit's waiting transaction
    // only after half a minute on a busy machine.
    const watcher = await connect();
    for (;;) {
      const [rows] = await watcher.query(
        "SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO = 'UPDATE accounts SET x = 3 WHERE id = 2'",
      );
      if (Number((rows as { n: number }[])[0]!.n) > 0) break;
      if (run.child.exitCode !== null) throw new Error(`migrate ended before it waited: ${run.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await holder.query('UPDATE accounts SET x = 9 WHERE id = 1');
    await holder.query('ROLLBACK');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/Migration a\/0003_victim .*Deadlock found/);
    expect(result.stderr).toContain('It was rolled back and nothing after it ran');
    expect(result.stdout).toContain('Applied 1 migration');
    // What was reported applied is applied: 0002's row and history are there, 0003 left nothing.
    expect(await queryTarget(target, 'SELECT v FROM log')).toEqual([{ v: '0002' }]);
    expect(await history()).toEqual([
      { version: '0001_tables', state: 'applied' },
      { version: '0002_data', state: 'applied' },
    ]);
    const rerun = await cli('migrate', '--only');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('Applied 1 migration');
    expect(await queryTarget(target, 'SELECT id, x FROM accounts ORDER BY id')).toEqual([
      { id: 1, x: 3 },
      { id: 2, x: 3 },
    ]);
  });

  it('a connection lost after DDL does not claim a rollback: what stayed is said, the module is dirty', async () => {
    target = await createTarget('mysql');
    const body =
      'CREATE TABLE t2 (x INT);\nINSERT INTO t2 VALUES (1);\nSELECT SLEEP(600);\nINSERT INTO t2 VALUES (2);\n';
    project = await createFixtureProject([{ name: 'a', migrations: { '0001_lost.sql': body } }]);
    const run = startCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
    const killer = await connect();
    for (;;) {
      const [rows] = await killer.query(
        "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO = 'SELECT SLEEP(600)'",
      );
      const id = (rows as { id: number }[])[0]?.id;
      if (id !== undefined) {
        await killer.query(`KILL CONNECTION ${Number(id)}`);
        break;
      }
      if (run.child.exitCode !== null) throw new Error(`migrate ended before the sleep: ${run.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = await run.done;
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.stderr).not.toContain('so the database rolls it back');
    expect(result.stderr).toContain('DDL commits at once on this database');
    // What the message says is what the database holds: the table and its first row stayed.
    expect(await queryTarget(target, 'SELECT x FROM t2')).toEqual([{ x: 1 }]);
    expect(await history()).toEqual([{ version: '0001_lost', state: 'started' }]);
  });

  it('LOCK TABLES in a body, then a failure: what the implicit commit kept is said, the module is dirty', async () => {
    target = await createTarget('mysql');
    await queryTarget(target, 'CREATE TABLE cnt (x INT)');
    const body = 'INSERT INTO cnt VALUES (4);\nLOCK TABLES cnt WRITE;\nINSERT INTO nope VALUES (1);\n';
    project = await createFixtureProject([{ name: 'a', migrations: { '0001_locks.sql': body } }]);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toContain('It was rolled back');
    expect(run.stderr).toContain('module "a" is now dirty');
    expect(await queryTarget(target, 'SELECT x FROM cnt')).toEqual([{ x: 4 }]);
    expect(await history()).toEqual([{ version: '0001_locks', state: 'started' }]);
  });

  it('§3: USE another database does not move the next migration or modkit’s bookkeeping, as with the client', async () => {
    target = await createTarget('mysql');
    other = await createTarget('mysql');
    const otherDb = new URL(other.url).pathname.slice(1);
    const files = {
      '0001_use.sql': `CREATE TABLE a1 (x INT);\nUSE \`${otherDb}\`;\n`,
      '0002_next.sql': 'CREATE TABLE b (x INT);\n',
    };
    project = await createFixtureProject([{ name: 'a', migrations: files }]);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(0);
    const tables = (t: TestTarget) =>
      queryTarget<{ t: string }>(
        t,
        'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1',
      );
    expect((await tables(target)).map((r) => r.t)).toEqual(['a1', 'b', TABLE]);
    expect(await tables(other)).toEqual([]);
    expect(await history()).toEqual([
      { version: '0001_use', state: 'applied' },
      { version: '0002_next', state: 'applied' },
    ]);
    // The mariadb client, one file after the other, puts b in the same place.
    const viaClient = await createTarget('mysql');
    cleanups.push(() => viaClient.dispose());
    for (const file of Object.keys(files)) client(viaClient.url, project.migrationPath('a', file));
    expect((await tables(viaClient)).map((r) => r.t)).toEqual(['a1', 'b']);
  });

  it('§3: the server’s sql_mode and collation, as the client: CREATE TABLE count works, routines store the global sql_mode, no mode leaks', async () => {
    target = await createTarget('mysql');
    const files = {
      '0001_count.sql':
        "CREATE TABLE count (a INT);\nDELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSET sql_mode = 'ANSI_QUOTES';\n",
      '0002_quotes.sql': 'CREATE TABLE q (v VARCHAR(5) DEFAULT "x");\n',
    };
    project = await createFixtureProject([{ name: 'a', migrations: files }]);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(0);
    const routine = (t: TestTarget) =>
      queryTarget<{ mode: string; global: string; cs: string; coll: string; dflt: string }>(
        t,
        `SELECT r.SQL_MODE AS mode, @@GLOBAL.sql_mode AS global, r.CHARACTER_SET_CLIENT AS cs, r.COLLATION_CONNECTION AS coll,
                (SELECT DEFAULT_COLLATE_NAME FROM information_schema.CHARACTER_SETS WHERE CHARACTER_SET_NAME = 'utf8mb4') AS dflt
           FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = DATABASE() AND r.ROUTINE_NAME = 'p'`,
      );
    const [mine] = await routine(target);
    expect(mine!.mode).toBe(mine!.global);
    expect(mine!.cs).toBe('utf8mb4');
    expect(mine!.coll).toBe(mine!.dflt);
    expect(
      await queryTarget(
        target,
        "SELECT COLUMN_DEFAULT AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'q'",
      ),
    ).toEqual([{ d: "'x'" }]);
    // The client, file by file: the same tables, and its routine's sql_mode is the same as modkit's.
    const viaClient = await createTarget('mysql');
    cleanups.push(() => viaClient.dispose());
    for (const file of Object.keys(files)) client(viaClient.url, project.migrationPath('a', file));
    const [theirs] = await routine(viaClient);
    expect(theirs!.mode).toBe(mine!.mode);
  });

  it('§3: a syntax error names the file line the server’s “at line N” points to, and says both', async () => {
    target = await createTarget('mysql');
    const file = [
      '-- line 1',
      'CREATE TABLE t1 (a INT);',
      '',
      'DELIMITER $$',
      'CREATE PROCEDURE p()',
      'BEGIN',
      '  SELECT 1;',
      '  SELECT 2;',
      '  SELECT 3;',
      '  SELEC 4;',
      'END$$',
      'DELIMITER ;',
      '',
    ].join('\n');
    project = await createFixtureProject([{ name: 'a', migrations: { '0001_bad.sql': file } }]);
    const run = await cli('migrate', '--only');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`(${project.migrationPath('a', '0001_bad.sql')}, line 10) failed`);
    expect(run.stderr).toMatch(/at line 6 of the statement that starts at line 5 \(line 10 of the file\)/);
  });

  it('§5: lock-timeout retries run out: the real timeout (whole seconds), and the one instruction that is right', async () => {
    target = await createTarget('mysql');
    await queryTarget(target, 'CREATE TABLE accounts (id INT PRIMARY KEY) ENGINE=InnoDB');
    const holder = await connect();
    await holder.query('START TRANSACTION');
    await holder.query('SELECT count(*) FROM accounts'); // a shared metadata lock until the end of the test
    const config = { dbLockTimeoutMs: 300, dbLockRetries: 2 };

    // The ALTER is the first statement: nothing of the migration ran, so it can simply run again.
    project = await createFixtureProject(
      [{ name: 'a', migrations: { '0001_plan.sql': 'ALTER TABLE accounts ADD COLUMN plan INT;\n' } }],
      config,
    );
    const first = await cli('migrate', '--only');
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('could not get a lock within its lock timeout of 1 s');
    expect(first.stderr).toContain('Run it again when the table is quieter');
    expect(first.stderr).not.toContain('dirty');
    expect(await history()).toEqual([]);
    await project.cleanup();

    // Something ran before it and stays: the module is dirty, and the message says repair, not "run it again".
    project = await createFixtureProject(
      [
        {
          name: 'a',
          migrations: { '0001_plan.sql': 'CREATE TABLE plans (id INT);\nALTER TABLE accounts ADD COLUMN plan INT;\n' },
        },
      ],
      config,
    );
    const second = await cli('migrate', '--only');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('could not get a lock within its lock timeout of 1 s');
    expect(second.stderr).toContain('module "a" is now dirty');
    expect(second.stderr).toContain('modkit repair --module a --retry');
    expect(second.stderr).not.toContain('Run it again');
    expect(await history()).toEqual([{ version: '0001_plan', state: 'started' }]);
    await holder.query('COMMIT');
    const next = await cli('migrate', '--only');
    expect(next.code).toBe(4);
    expect(next.stderr).toMatch(/\[dirty\]/);
  });
});
