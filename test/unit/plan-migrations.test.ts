import { describe, expect, it } from 'vitest';
import type { LoadedModule, Migration } from '../../src/modules/types.js';
import { planMigrations } from '../../src/plan/plan-migrations.js';
import type { AppliedRecord, ModuleHistory } from '../../src/plan/types.js';

const migration = (module: string, id: string, checksum = `sum-${id}`): Migration => ({
  id,
  module,
  format: 'sql',
  file: `/m/${module}/${id}.sql`,
  checksum,
});
const moduleOf = (name: string, ids: string[]): LoadedModule => ({
  name,
  deps: [],
  system: false,
  file: `/m/${name}/module.ts`,
  migrationsDir: `/m/${name}/migrations`,
  migrations: ids.map((id) => migration(name, id)),
  definition: { name },
});
const record = (version: string, extra: Partial<AppliedRecord> = {}): AppliedRecord => ({
  version,
  appliedAt: new Date(0),
  checksum: `sum-${version}`,
  durationMs: 1,
  state: 'applied',
  runId: null,
  ...extra,
});
const history = (module: string, records: AppliedRecord[]): ModuleHistory => ({
  module,
  table: `t_${module}`,
  exists: true,
  missingColumns: [],
  legacyAppliedAt: false,
  records,
});

describe('planMigrations', () => {
  it('lists pending migrations in id order, per module in the given order', () => {
    const plan = planMigrations(
      [moduleOf('core', ['0001_a', '0002_b']), moduleOf('users', ['0001_u'])],
      new Map([['core', history('core', [record('0001_a')])]]),
    );
    expect(plan.modules.map((m) => [m.module.name, m.pending.map((p) => p.id)])).toEqual([
      ['core', ['0002_b']],
      ['users', ['0001_u']],
    ]);
    expect(plan.pendingCount).toBe(2);
    expect(plan.problems).toEqual([]);
    expect(plan.modules[0]!.lastApplied?.version).toBe('0001_a');
  });

  it("a dirty module's advice covers a failed migrate and a failed rollback (the row cannot tell them apart)", () => {
    const plan = planMigrations(
      [moduleOf('users', ['0001_u'])],
      new Map([['users', history('users', [record('0001_u', { state: 'started' })])]]),
    );
    const [dirty] = plan.problems;
    expect(dirty?.kind).toBe('dirty');
    expect(dirty?.message).toContain('if you finished it by hand, run `modkit repair --module users`');
    expect(dirty?.message).toContain(
      'If it was a rollback that failed (its down), the other way round: finished the undo by hand, `modkit repair --module users --retry`',
    );
  });

  it('finds drift, missing, out-of-order and dirty, and blocks unless allowed (dirty always blocks)', () => {
    const modules = [moduleOf('core', ['0001_a', '0002_b', '0003_c']), moduleOf('users', ['0002_v'])];
    const histories = new Map([
      ['core', history('core', [record('0001_a', { checksum: 'other' }), record('0003_c')])],
      ['users', history('users', [record('0001_gone'), record('0002_v', { state: 'started' })])],
    ]);
    const plan = planMigrations(modules, histories);
    expect(plan.problems.map((p) => `${p.kind}:${p.module}/${p.id}`)).toEqual([
      'drift:core/0001_a',
      'out-of-order:core/0002_b',
      'missing:users/0001_gone',
      'dirty:users/0002_v',
    ]);
    expect(plan.blocking).toHaveLength(4);
    const allowed = planMigrations(modules, histories, { drift: true, missing: true, outOfOrder: true });
    expect(allowed.blocking.map((p) => p.kind)).toEqual(['dirty']);
  });

  it('accepts a null checksum (a row written by the Rust runtime) as not drifted', () => {
    const plan = planMigrations(
      [moduleOf('core', ['0001_a'])],
      new Map([['core', history('core', [record('0001_a', { checksum: null })])]]),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.pendingCount).toBe(0);
  });
});
