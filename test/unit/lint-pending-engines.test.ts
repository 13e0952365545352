/**
 * migrate's lint (src/execute/lint-pending.ts) reads the pending files of PostgreSQL modules only:
 * on SQLite and MariaDB the one rule there is (transaction-control) has been enforced by the
 * refusal that runs just before it, on the same files, so reading them again could find nothing.
 * The pending file here does not exist: reading it would fail.
 */
import { describe, expect, it } from 'vitest';
import { severitiesOf } from '../../src/config/lint-rules.js';
import type { DatabasePlacement } from '../../src/config/module-databases.js';
import type { DatabaseTarget } from '../../src/config/types.js';
import type { Engine } from '../../src/engines/engine-table.js';
import { lintPending } from '../../src/execute/lint-pending.js';
import type { MigrationPlan } from '../../src/plan/types.js';

const URLS: Readonly<Record<Engine, string>> = {
  postgres: 'postgres://localhost/app',
  mysql: 'mysql://localhost/app',
  sqlite: 'sqlite:/tmp/app.db',
};

function run(engine: Engine): Promise<void> {
  const database = {
    url: URLS[engine],
    engine,
    source: 'flag',
    ...(engine === 'sqlite' ? { filePath: '/tmp/app.db' } : {}),
  } as DatabaseTarget;
  const placement: DatabasePlacement = { database, moduleDatabases: {} };
  const migration = { id: '0001_a', module: 'app', format: 'sql', checksum: 'x', file: '/nonexistent/0001_a.up.sql' };
  const plan = {
    modules: [{ module: { name: 'app', migrations: [migration] }, pending: [migration] }],
    problems: [],
    blocking: [],
    pendingCount: 1,
  } as unknown as MigrationPlan;
  return lintPending(placement, plan, { severities: severitiesOf(), onMigrate: 'error' });
}

describe("migrate's lint of pending files", () => {
  it.each(['sqlite', 'mysql'] as const)('does not read the pending files of a %s module', async (engine) => {
    await expect(run(engine)).resolves.toBeUndefined();
  });

  it('reads those of a PostgreSQL module (control)', async () => {
    await expect(run('postgres')).rejects.toThrow(/ENOENT|no such file/);
  });
});
