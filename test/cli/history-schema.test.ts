/**
 * PostgreSQL history tables live in one configured schema (database.schema, default public),
 * addressed schema-qualified whatever search_path says. The case that motivated it: supabase's
 * storage migrations, with `search_path = storage, public` and `storage` created by a migration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

describe('history tables in a pinned schema (PostgreSQL)', () => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  const STORAGE = {
    name: 'storage-api',
    migrations: {
      '0001_schema.sql': 'CREATE SCHEMA storage;\nCREATE TABLE buckets (id TEXT PRIMARY KEY);',
      '0002_objects.sql': 'CREATE TABLE objects (id TEXT PRIMARY KEY, bucket_id TEXT REFERENCES buckets (id));',
    },
  };

  /** A database whose default search_path names a schema that a migration creates. */
  const setup = async (config: Record<string, unknown> = {}) => {
    target = await createTarget('postgres');
    const database = new URL(target.url).pathname.slice(1);
    await queryTarget(target, `ALTER DATABASE "${database}" SET search_path = storage, public`);
    project = await createFixtureProject([STORAGE], config);
    return (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);
  };
  const schemasOf = async (table: string) =>
    (
      await queryTarget<{ schemaname: string }>(
        target,
        'SELECT schemaname FROM pg_tables WHERE tablename = $1 ORDER BY 1',
        [table],
      )
    ).map((r) => r.schemaname);

  it('keeps history in public when search_path moves between runs: the second run finds it and applies nothing', async () => {
    const cli = await setup();
    const first = await cli('migrate', '--only');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Applied 2 migrations');
    // Both runs' search_path now resolves to `storage` first: it exists.
    const second = await cli('migrate', '--only');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Nothing to migrate');
    expect(await schemasOf(await historyTableName('storage-api'))).toEqual(['public']);
    // The migrations' own unqualified names still follow search_path, as the user wrote them.
    expect(await schemasOf('objects')).toEqual(['storage']);
    const status = await cli('status', '--exit-code');
    expect(status.code, status.stdout).toBe(0);
  });

  it('refuses (exit 4) naming both schemas when history sits in another search_path schema, in every command', async () => {
    const cli = await setup();
    const table = await historyTableName('storage-api');
    // An earlier run of another tool put the history where search_path pointed at the time.
    await queryTarget(target, 'CREATE SCHEMA storage');
    await queryTarget(
      target,
      `CREATE TABLE storage."${table}" (version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
    );
    await queryTarget(target, `INSERT INTO storage."${table}" (version) VALUES ('0001_schema'), ('0002_objects')`);

    for (const command of [
      ['migrate', '--only'],
      ['status'],
      ['plan'],
      ['validate'],
      ['repair'],
      ['rollback', 'storage-api'],
    ]) {
      const r = await cli(...command);
      expect(r.code, `${command.join(' ')}: ${r.stderr}`).toBe(4);
      expect(r.stderr).toContain('schema "storage"');
      expect(r.stderr).toContain('schema "public" (database.schema)');
      expect(r.stderr).toContain(`storage.${table}`);
    }
    expect(await schemasOf(table)).toEqual(['storage']); // nothing created in public, nothing re-applied

    // Saying where the history belongs resolves it.
    await project.write(
      'modkit.config.mjs',
      `export default ${JSON.stringify({ modules: ['modules/*/module.mjs'], database: { schema: 'storage' } })};\n`,
    );
    const pinned = await cli('migrate', '--only');
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toContain('Nothing to migrate');
  });
});
