import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { planBaselineAll } from '../../src/plan/plan-baseline.js';
import { planMigrations } from '../../src/plan/plan-migrations.js';
import { checkStopAt } from '../../src/plan/stop-at.js';
import { heldBackLines, parseStopAt } from '../../src/cli/to-option.js';
import { history, loadedModule } from '../support/plan-fixtures.js';

const core = loadedModule('core', ['0001_a', '0002_b', '0003_c'], [], true);
const users = loadedModule('users', ['0001_u', '0002_v'], ['core']);
const problemsOf = (work: () => unknown): readonly string[] => {
  try {
    work();
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  return [];
};

describe('--to (StopAt)', () => {
  it('planMigrations stops a module after the id and holds the rest back', () => {
    const plan = planMigrations(
      [core, users],
      new Map([['core', history('core', ['0001_a'])]]),
      {},
      { users: '0001_u' },
    );
    expect(
      plan.modules.map((m) => [m.module.name, m.pending.map((p) => p.id), (m.heldBack ?? []).map((h) => h.id)]),
    ).toEqual([
      ['core', ['0002_b', '0003_c'], []],
      ['users', ['0001_u'], ['0002_v']],
    ]);
    expect(plan.pendingCount).toBe(3);
  });

  it('plans nothing for a module already at (or past) its --to: a retried step is a no-op, not an error', () => {
    const plan = planMigrations(
      [core],
      new Map([['core', history('core', ['0001_a', '0002_b'])]]),
      {},
      { core: '0001_a' },
    );
    expect(plan.modules[0]!.pending).toEqual([]);
    expect((plan.modules[0]!.heldBack ?? []).map((h) => h.id)).toEqual(['0003_c']);
    expect(plan.pendingCount).toBe(0);
    expect(heldBackLines(plan, { core: '0001_a' })).toEqual([
      '"core" is already at 0001_a (--to): nothing to apply up to it; left pending after it: 0003_c. ' +
        'It is past it: 0002_b is applied too (to go back: modkit rollback core --to 0001_a).',
    ]);
  });

  it('checkStopAt lists unknown ids, modules outside the run, unknown modules and stopped dependencies at once', () => {
    const problems = problemsOf(() =>
      checkStopAt([core, users], { core: '0002_x', reports: '0001_r', usrs: '1' }, ['core', 'users', 'reports']),
    );
    expect(problems).toEqual([
      expect.stringContaining('module "core" has no migration with that id (did you mean "0002_b"?)'),
      '--to reports=0001_r: module "reports" is not among the modules of this run (core, users): add --module reports',
      '--to usrs=1: unknown module "usrs" (did you mean "users"?)',
      expect.stringContaining('--to stops module "core" at 0002_x, but "users" depends on it'),
    ]);
    expect(problemsOf(() => checkStopAt([core, users], { users: '0002_v' }))).toEqual([]);
  });

  it('parseStopAt gives a bare id to the one named module and refuses it otherwise', () => {
    expect(parseStopAt(['0002_v'], ['users'])).toEqual({ users: '0002_v' });
    expect(parseStopAt(['core=0001_a', 'users=0002_v'], ['users', 'core'])).toEqual({
      core: '0001_a',
      users: '0002_v',
    });
    expect(parseStopAt(undefined, ['users'])).toBeUndefined();
    expect(problemsOf(() => parseStopAt(['0002_v'], []))[0]).toContain('no module is named');
    expect(problemsOf(() => parseStopAt(['0002_v'], ['a', 'b']))[0]).toContain('2 are named (a, b)');
    expect(problemsOf(() => parseStopAt(['=x', 'users=0001_u', 'users=0002_v'], []))).toEqual([
      '--to =x: expected MODULE=ID, e.g. --to users=0002_email_index',
      '--to names two migrations for module "users" (0001_u and 0002_v): give one',
    ]);
  });

  it('planBaselineAll takes each module to its latest or its --to, and skips modules without migrations', () => {
    const empty = loadedModule('docs', []);
    const plans = planBaselineAll([core, empty, users], new Map([['core', history('core', ['0001_a'])]]), {
      users: '0001_u',
    });
    expect(plans.map((p) => [p.module, p.to, p.record.map((m) => m.id), p.skip.map((m) => m.id)])).toEqual([
      ['core', '0003_c', ['0002_b', '0003_c'], ['0001_a']],
      ['users', '0001_u', ['0001_u'], []],
    ]);
  });
});
