/**
 * History tables of modkit 0.1.0 (`applied_at BIGINT NOT NULL`, unix seconds, no default) are
 * upgraded in place to the Rust runtime's type, once, keeping every timestamp, with a line saying so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';
import { checksumOf } from '../../src/modules/checksum.js';
import { runRustMigrations, rustAppliedVersions } from '../support/rust-runtime.js';

/** modkit 0.1.0's CREATE TABLE, verbatim. */
const V010_DDL = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
      version VARCHAR(255) NOT NULL PRIMARY KEY,
      applied_at BIGINT NOT NULL,
      checksum VARCHAR(64),
      duration_ms INTEGER,
      state VARCHAR(16)
    )`;

describe.each(ENGINES)('upgrading modkit 0.1.0 history tables on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it('converts applied_at in place, keeps every row and timestamp, says so once, and the Rust runtime can write afterwards', async () => {
    target = await createTarget(engine);
    const files = {
      '0001_settings.sql': 'CREATE TABLE settings (k VARCHAR(50) PRIMARY KEY, v TEXT);',
      '0002_flags.sql': 'CREATE TABLE flags (k VARCHAR(50) PRIMARY KEY);',
      '0003_more.sql': 'CREATE TABLE more_things (k VARCHAR(50) PRIMARY KEY);',
    };
    project = await createFixtureProject([{ name: 'core', migrations: files }]);
    const table = await historyTableName('core');
    // What modkit 0.1.0 left behind: two migrations applied at known times, with its own columns.
    await queryTarget(target, V010_DDL(table));
    await queryTarget(target, 'CREATE TABLE settings (k VARCHAR(50) PRIMARY KEY, v TEXT)');
    await queryTarget(target, 'CREATE TABLE flags (k VARCHAR(50) PRIMARY KEY)');
    await queryTarget(
      target,
      `INSERT INTO ${table} (version, applied_at, checksum, duration_ms, state) VALUES ('0001_settings', 1700000000, '${checksumOf(files['0001_settings.sql'])}', 3, 'applied')`,
    );
    await queryTarget(
      target,
      `INSERT INTO ${table} (version, applied_at, checksum, duration_ms, state) VALUES ('0002_flags', 1700000100, '${checksumOf(files['0002_flags.sql'])}', 4, 'applied')`,
    );
    const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);

    const first = await cli('migrate', '--only');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      `Upgraded the history table of module "core" (${table}): added run_id; applied_at converted from unix seconds (modkit 0.1.0) to the Rust runtime's type, every value kept`,
    );
    expect(first.stdout).toMatch(/core\s+0003_more/);
    expect(first.stdout).not.toMatch(/0001_settings|0002_flags/);

    const status = JSON.parse((await cli('status', '--json')).stdout);
    const core = status.modules.find((m: { name: string }) => m.name === 'core');
    expect(core.applied).toBe(3);
    // Timestamps kept: the two old rows read back as the same instants.
    const history = await queryTarget<{ version: string; applied_at: unknown; duration_ms: number }>(
      target,
      `SELECT version, applied_at, duration_ms FROM ${table} ORDER BY version`,
    );
    expect(
      history
        .slice(0, 2)
        .map((r) =>
          new Date(
            engine === 'sqlite' ? `${String(r.applied_at).replace(' ', 'T')}Z` : (r.applied_at as Date),
          ).toISOString(),
        ),
    ).toEqual(['2023-11-14T22:13:20.000Z', '2023-11-14T22:15:00.000Z']);
    expect(history.map((r) => Number(r.duration_ms))).toEqual([3, 4, expect.any(Number)]);
    expect(await appliedAtType(target, table)).toEqual(
      {
        sqlite: { type: 'TEXT', default: "datetime('now')" },
        postgres: { type: 'timestamp with time zone', default: 'CURRENT_TIMESTAMP' },
        mysql: { type: 'timestamp', default: 'current_timestamp' },
      }[engine],
    );

    // The Rust runtime's own insert (no applied_at) now works on this table.
    await runRustMigrations(target, 'core', [
      { name: '0004_rust', sql: 'CREATE TABLE rust_things (k VARCHAR(50) PRIMARY KEY)' },
    ]);
    expect(await rustAppliedVersions(target, 'core')).toEqual([
      '0001_settings',
      '0002_flags',
      '0003_more',
      '0004_rust',
    ]);

    // Once: the next run has nothing to upgrade.
    await project.write(
      'modules/core/migrations/0004_rust.sql',
      'CREATE TABLE rust_things (k VARCHAR(50) PRIMARY KEY);',
    );
    const second = await cli('migrate', '--only');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('Upgraded');
    expect(second.stdout).toContain('Nothing to migrate');
  });
});

describe.each(ENGINES)('histories of the Rust runtime and of modkit 0.1.0 side by side on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it('reads both in one go before any upgrade (status), then upgrades each once (migrate)', async () => {
    target = await createTarget(engine);
    const sql = 'CREATE TABLE r1 (k INTEGER PRIMARY KEY);';
    project = await createFixtureProject([
      { name: 'rusty', migrations: { '0001_r1.sql': sql } },
      { name: 'old', migrations: { '0001_o1.sql': 'CREATE TABLE o1 (k INTEGER PRIMARY KEY);' } },
    ]);
    await runRustMigrations(target, 'rusty', [{ name: '0001_r1', sql }]);
    const old = await historyTableName('old');
    await queryTarget(target, V010_DDL(old));
    await queryTarget(target, 'CREATE TABLE o1 (k INTEGER PRIMARY KEY)');
    await queryTarget(
      target,
      `INSERT INTO ${old} (version, applied_at, checksum, duration_ms, state) VALUES ('0001_o1', 1700000000, NULL, 1, 'applied')`,
    );
    const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);

    const status = await cli('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    const modules = JSON.parse(status.stdout).modules as {
      name: string;
      applied: number;
      lastApplied: { appliedAt: string };
    }[];
    expect(modules.map((m) => [m.name, m.applied])).toEqual([
      ['old', 1],
      ['rusty', 1],
    ]);
    expect(modules.find((m) => m.name === 'old')!.lastApplied.appliedAt).toBe('2023-11-14T22:13:20.000Z');

    const migrate = await cli('migrate', '--only');
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain('Nothing to migrate');
    expect(migrate.stdout).toContain(
      `Upgraded the history table of module "rusty" (${await historyTableName('rusty')}): added checksum, duration_ms, state, run_id`,
    );
    expect(migrate.stdout).toContain(
      `Upgraded the history table of module "old" (${old}): added run_id; applied_at converted`,
    );
  });
});

async function appliedAtType(target: TestTarget, table: string): Promise<{ type: string; default: string }> {
  if (target.engine === 'sqlite') {
    const [row] = await queryTarget<{ type: string; dflt_value: string }>(
      target,
      `SELECT type, dflt_value FROM pragma_table_info('${table}') WHERE name = 'applied_at'`,
    );
    return { type: row!.type, default: row!.dflt_value };
  }
  if (target.engine === 'mysql') {
    const [row] = await queryTarget<{ type: string; def: string }>(
      target,
      "SELECT column_type AS type, column_default AS def FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = 'applied_at'",
      [table],
    );
    // MariaDB says `current_timestamp()`, MySQL `CURRENT_TIMESTAMP`.
    return { type: row!.type, default: row!.def.toLowerCase().replace('()', '') };
  }
  const [row] = await queryTarget<{ type: string; def: string }>(
    target,
    `SELECT format_type(a.atttypid, a.atttypmod) AS type, pg_get_expr(d.adbin, d.adrelid) AS def
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = '${table}'::regclass AND a.attname = 'applied_at'`,
  );
  return { type: row!.type, default: row!.def };
}
