/**
 * modkit and the Rust runtime share history tables (SPEC §2.4). The Rust side is its runner's exact
 * SQL, replayed (test/support/rust-runtime.ts), in three orders: Rust first, modkit first, and
 * interleaved (each applies a migration the other has pending).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inspect, migrate } from '../../src/index.js';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runRustMigrations, rustAppliedVersions, type RustMigration } from '../support/rust-runtime.js';

/** The same three migrations, as files for modkit and as DDL for the Rust runner. */
const MIGRATIONS: readonly RustMigration[] = [
  { name: '0001_accounts', sql: 'CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(100))' },
  { name: '0002_ledger', sql: 'CREATE TABLE ledger (id INTEGER PRIMARY KEY, account_id INTEGER)' },
  { name: '0003_ledger_index', sql: 'CREATE INDEX ledger_account ON ledger (account_id)' },
];

describe.each(ENGINES)('sharing history with the Rust runtime on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  const setup = async (count = MIGRATIONS.length) => {
    target = await createTarget(engine);
    const files = Object.fromEntries(MIGRATIONS.slice(0, count).map((m) => [`${m.name}.sql`, `${m.sql};\n`]));
    project = await createFixtureProject([{ name: 'ledger-core', migrations: files }]);
    return { configPath: project.configPath, databaseUrl: target.url };
  };
  const rows = async () =>
    queryTarget<{ version: string; applied_at: unknown; checksum: string | null }>(
      target,
      `SELECT version, applied_at, checksum FROM ${await historyTableName('ledger-core')} ORDER BY version`,
    );

  it('continues a database the Rust runtime started: nothing re-applied, its rows kept, the rest applied', async () => {
    const options = await setup();
    const rust = await runRustMigrations(target, 'ledger-core', MIGRATIONS.slice(0, 2));
    expect(rust.applied).toEqual(['0001_accounts', '0002_ledger']);

    const { result } = await migrate(options);
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => r.id)).toEqual(['0003_ledger_index']);
    const recorded = await rows();
    expect(recorded.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.name));
    // The Rust rows keep their (null) checksum until `modkit repair`; applied_at was filled by the column default.
    expect(recorded.map((r) => r.checksum === null)).toEqual([true, true, false]);
    expect(recorded.every((r) => r.applied_at !== null)).toBe(true);
    const { plan } = await inspect(options);
    expect(plan.pendingCount).toBe(0);
    expect(plan.modules[0]!.lastApplied?.appliedAt).toBeInstanceOf(Date);
  });

  it('leaves tables the Rust runtime continues: its own insert works and it sees what modkit applied', async () => {
    const options = await setup(2);
    const { result } = await migrate(options);
    expect(result.error).toBeUndefined();

    const rust = await runRustMigrations(target, 'ledger-core', MIGRATIONS);
    expect(rust.skipped).toEqual(['0001_accounts', '0002_ledger']);
    expect(rust.applied).toEqual(['0003_ledger_index']);
    expect(await rustAppliedVersions(target, 'ledger-core')).toEqual(MIGRATIONS.map((m) => m.name));
    // And modkit reads the Rust row back as applied, with its time.
    const { plan } = await inspect({ ...options });
    expect(plan.modules[0]!.applied.map((r) => r.version)).toEqual(['0001_accounts', '0002_ledger']);
    expect(plan.modules[0]!.lastApplied?.version).toBe('0003_ledger_index');
    expect(plan.modules[0]!.lastApplied?.appliedAt).toBeInstanceOf(Date);
  });

  it('interleaved: a migration the Rust runtime applied while modkit had it pending is never run again', async () => {
    const options = await setup();
    await runRustMigrations(target, 'ledger-core', MIGRATIONS.slice(0, 1));
    const before = await inspect(options);
    expect(before.plan.modules[0]!.pending.map((m) => m.id)).toEqual(['0002_ledger', '0003_ledger_index']);

    // The Rust runtime applies 0002 now; modkit planned it as pending a moment ago.
    await runRustMigrations(target, 'ledger-core', MIGRATIONS.slice(0, 2));
    const { result } = await migrate(options);
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => r.id)).toEqual(['0003_ledger_index']);
    expect(await tableNames(target)).toEqual(expect.arrayContaining(['accounts', 'ledger']));

    // A later Rust run finds everything applied, whoever applied it.
    const rust = await runRustMigrations(target, 'ledger-core', MIGRATIONS);
    expect(rust.applied).toEqual([]);
    expect(rust.skipped).toEqual(MIGRATIONS.map((m) => m.name));
  });
});
