/**
 * Issue 19 §3 on PostgreSQL: every migration starts from the session a fresh client would have —
 * what psql gives each file — whatever the previous one set (search_path, role, time zone), and
 * modkit's own bookkeeping does not run as the role a migration set. A fleet's schema target
 * starts from its own search_path, not the server's default.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableNameSync } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

const TABLE = historyTableNameSync('a');

describe.skipIf(!ENGINES.includes('postgres'))('PostgreSQL: each migration starts from a clean session', () => {
  let target: TestTarget | undefined;
  let viaPsql: TestTarget | undefined;
  let project: FixtureProject | undefined;
  const role = `modkit_leak_${randomBytes(4).toString('hex')}`;
  afterEach(async () => {
    await project?.cleanup();
    await target?.dispose();
    await viaPsql?.dispose();
    if (target) await queryTarget(target, `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    target = viaPsql = project = undefined;
  });

  it('search_path, role and time zone set by one migration reach neither the next one nor the history, as with psql per file', async () => {
    target = await createTarget('postgres');
    viaPsql = await createTarget('postgres');
    await queryTarget(target, `DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} NOLOGIN`);
    const files = {
      '0001_settings.sql': `CREATE SCHEMA other;\nSET search_path TO other;\nSET TIME ZONE 'Asia/Tokyo';\nSET ROLE ${role};\n`,
      '0002_next.sql':
        "CREATE TABLE b AS SELECT current_setting('TimeZone') AS tz, current_user::text AS who, current_setting('search_path') AS path;\n",
    };
    project = await createFixtureProject([{ name: 'a', migrations: files }]);
    const run = await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(await queryTarget(target, `SELECT version, state FROM public.${TABLE} ORDER BY version`)).toEqual([
      { version: '0001_settings', state: 'applied' },
      { version: '0002_next', state: 'applied' },
    ]);
    const where = async (t: TestTarget) => {
      const [table] = await queryTarget<{ schema: string; owner: string }>(
        t,
        "SELECT n.nspname AS schema, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'b'",
      );
      const [row] = await queryTarget<Record<string, string>>(t, `SELECT tz, who, path FROM "${table!.schema}".b`);
      return { ...table, ...row };
    };
    const mine = await where(target);
    // psql, one file after the other (a new session each), on a database of its own.
    for (const file of Object.keys(files))
      execFileSync('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        viaPsql.url,
        '-f',
        project.migrationPath('a', file),
      ]);
    const theirs = await where(viaPsql);
    expect(mine).toEqual(theirs);
    expect(mine).toMatchObject({ schema: 'public', owner: 'postgres', who: 'postgres' });
  });

  it('a fleet schema target starts every migration from its own search_path', async () => {
    target = await createTarget('postgres');
    const files = {
      '0001_elsewhere.sql': 'CREATE TABLE a1 (x int);\nSET search_path TO public;\n',
      '0002_next.sql': 'CREATE TABLE b (x int);\n',
    };
    project = await createFixtureProject([{ name: 'a', migrations: files }]);
    await project.write('targets.txt', ['tenant_a', 'tenant_b'].map((s) => `${target!.url} schema=${s}`).join('\n'));
    const run = await runCli(['migrate', '--only', '-c', project.configPath, '--targets', 'targets.txt'], {
      cwd: project.dir,
    });
    expect(run.code, run.stderr).toBe(0);
    const tables = await queryTarget<{ schema: string; name: string }>(
      target,
      "SELECT schemaname AS schema, tablename AS name FROM pg_tables WHERE tablename IN ('a1', 'b') ORDER BY 1, 2",
    );
    expect(tables).toEqual([
      { schema: 'tenant_a', name: 'a1' },
      { schema: 'tenant_a', name: 'b' },
      { schema: 'tenant_b', name: 'a1' },
      { schema: 'tenant_b', name: 'b' },
    ]);
  });
});
