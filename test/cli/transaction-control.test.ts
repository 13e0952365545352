/**
 * Issue 19 §1: transaction control inside a migration body. A SQL file that would end or open the
 * transaction modkit runs it in is refused before anything runs (exit 4, on every engine, with
 * --no-lint too), `modkit lint` shows the same finding, legal code is never refused, and the
 * no-transaction marker is the fix that works.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import {
  createTarget,
  ENGINES,
  queryTarget,
  tableNames,
  type TestEngine,
  type TestTarget,
} from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

let project: FixtureProject | undefined;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  project = undefined;
  target = undefined;
});

const SIDE = 'CREATE TABLE side (v VARCHAR(10));\n';
const COMMIT_BEGIN = "INSERT INTO side VALUES ('c1');\nCOMMIT;\nBEGIN;\nINSERT INTO side VALUES ('c2');\n";

/** Legal code that looks like transaction control, per engine: none of it may be refused. */
const LEGAL: Readonly<Record<TestEngine, string>> = {
  postgres: [
    "DO $$ BEGIN INSERT INTO side VALUES ('do'); END $$;",
    'CREATE PROCEDURE tidy() LANGUAGE plpgsql AS $$ BEGIN DELETE FROM side WHERE false; COMMIT; END $$;',
    'CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;',
    "SAVEPOINT s1;\nINSERT INTO side VALUES ('gone');\nROLLBACK TO SAVEPOINT s1;\nRELEASE SAVEPOINT s1;",
    "INSERT INTO side VALUES ('end'); -- COMMIT in a comment\nSELECT 'BEGIN; COMMIT;' AS text;",
  ].join('\n'),
  sqlite: [
    'CREATE TRIGGER side_copy AFTER INSERT ON side BEGIN INSERT INTO side_log VALUES (new.v); END;',
    "SAVEPOINT s1;\nINSERT INTO side VALUES ('gone');\nROLLBACK TO SAVEPOINT s1;\nROLLBACK TRANSACTION TO s1;\nRELEASE s1;",
    "INSERT INTO side VALUES ('end'); -- COMMIT in a comment\nSELECT 'BEGIN; COMMIT;' AS text;",
  ].join('\n'),
  mysql: [
    // Savepoints first: after DDL (the procedure) MariaDB runs in autocommit, where they mean nothing.
    "SAVEPOINT s1;\nINSERT INTO side VALUES ('gone');\nROLLBACK TO SAVEPOINT s1;\nROLLBACK WORK TO s1;\nRELEASE SAVEPOINT s1;",
    'DELIMITER $$',
    "BEGIN NOT ATOMIC INSERT INTO side VALUES ('do'); END$$",
    'CREATE PROCEDURE tidy() BEGIN DELETE FROM side WHERE false; COMMIT; END$$',
    'DELIMITER ;',
    "INSERT INTO side VALUES ('end'); -- COMMIT in a comment\nSELECT 'BEGIN; COMMIT;' AS text;",
  ].join('\n'),
};

describe.each(ENGINES)('transaction control in a migration body (%s)', (engine) => {
  const cli = (...args: string[]) => runCli([...args, '-c', project!.configPath, '--database-url', target!.url]);

  it('refuses a file with COMMIT; BEGIN before anything runs (--no-lint too), lint says the same, the marker fixes it', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      {
        name: 'a',
        migrations: {
          '0001_side.sql': SIDE,
          '0002_commit.sql': COMMIT_BEGIN,
          '0003_after.sql': "INSERT INTO side VALUES ('c3');\n",
        },
      },
    ]);
    for (const flags of [['--no-lint'], []]) {
      const refused = await cli('migrate', '--only', ...flags);
      expect(refused.code, refused.stderr).toBe(4);
      const file = project.migrationPath('a', '0002_commit.sql');
      expect(refused.stderr).toContain(
        `a/0002_commit (${file}, line 2): COMMIT ends the transaction modkit runs this migration in`,
      );
      expect(refused.stderr).toContain(`a/0002_commit (${file}, line 3): BEGIN opens a transaction of its own`);
      expect(refused.stderr).toContain('nothing ran');
      expect(refused.stderr).toContain('-- modkit:no-transaction');
      // Nothing ran: not 0001 (before it in the run), not even a history table.
      expect(await tableNames(target)).toEqual([]);
    }

    const lint = await runCli(['lint', '-c', project.configPath, '--database-url', target.url]);
    expect(lint.code, lint.stderr).toBe(4);
    expect(lint.stdout).toMatch(/0002_commit\.sql:2 {2}error {2}transaction-control {2}COMMIT ends the transaction/);
    expect(lint.stdout).toMatch(/0002_commit\.sql:3 {2}error {2}transaction-control {2}BEGIN opens a transaction/);

    // Outside a transaction every statement commits by itself, and BEGIN … COMMIT is the file's own.
    await project.write(
      'modules/a/migrations/0002_commit.sql',
      "-- modkit:no-transaction\nINSERT INTO side VALUES ('c1');\nBEGIN;\nINSERT INTO side VALUES ('c2');\nCOMMIT;\n",
    );
    const fixed = await cli('migrate', '--only');
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('Applied 3 migrations');
    const rows = await queryTarget<{ v: string }>(target, 'SELECT v FROM side ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['c1', 'c2', 'c3']);
    const history = await queryTarget<{ version: string; state: string }>(
      target,
      `SELECT version, state FROM ${historyTableNameSync('a')} ORDER BY version`,
    );
    expect(history).toEqual(
      ['0001_side', '0002_commit', '0003_after'].map((version) => ({ version, state: 'applied' })),
    );
  });

  it('never refuses legal code: blocks, procedure bodies, savepoints, keywords in comments and strings', async () => {
    target = await createTarget(engine);
    const log = engine === 'sqlite' ? 'CREATE TABLE side_log (v VARCHAR(10));\n' : '';
    project = await createFixtureProject([
      { name: 'a', migrations: { '0001_side.sql': SIDE + log, '0002_legal.sql': LEGAL[engine] } },
    ]);
    const run = await cli('migrate', '--only');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Applied 2 migrations');
    const rows = await queryTarget<{ v: string }>(target, 'SELECT v FROM side ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(engine === 'sqlite' ? ['end'] : ['do', 'end']);
    const lint = await runCli(['lint', '-c', project.configPath, '--database-url', target.url]);
    expect(lint.stdout).not.toContain('transaction-control');
  });

  it('rollback refuses a down that ends the transaction, before anything runs', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      {
        name: 'a',
        migrations: {
          '0001_side.up.sql': SIDE,
          '0001_side.down.sql': 'DELETE FROM side;\nROLLBACK;\nDROP TABLE side;\n',
        },
      },
    ]);
    expect((await cli('migrate', '--only')).code).toBe(0);
    await queryTarget(target, "INSERT INTO side VALUES ('kept')");
    const refused = await cli('rollback', 'a');
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toContain(
      `a/0001_side (down) (${project.migrationPath('a', '0001_side.down.sql')}, line 2): ROLLBACK ends the transaction`,
    );
    expect(await queryTarget(target, 'SELECT v FROM side')).toEqual([{ v: 'kept' }]);
    expect(await queryTarget(target, `SELECT version FROM ${historyTableNameSync('a')}`)).toEqual([
      { version: '0001_side' },
    ]);
  });
});
