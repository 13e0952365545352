import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { planRollback } from '../../src/plan/plan-rollback.js';
import type { ModuleHistory } from '../../src/plan/types.js';
import { history, loadedModule, nodesOf } from '../support/plan-fixtures.js';

// platform <- users <- billing <- reports ; users <- search ; analytics alone
const modules = [
  loadedModule('platform', ['0001_a'], [], true),
  loadedModule('users', ['0001_users', '0002_email', '0003_index'], ['platform']),
  loadedModule('billing', ['0001_invoices', '0002_refunds'], ['users']),
  loadedModule('reports', ['0001_views'], ['billing']),
  loadedModule('search', ['0001_index'], ['users']),
  loadedModule('analytics', ['0001_events']),
];
const nodes = nodesOf(modules);
const byName = new Map(modules.map((m) => [m.name, m]));
const histories = (list: ModuleHistory[]) => new Map(list.map((h) => [h.module, h]));
const steps = (plan: ReturnType<typeof planRollback>) => plan.steps.map((s) => `${s.module}/${s.id}`);

describe('planRollback', () => {
  const usersOnly = histories([history('users', ['0001_users', '0002_email', '0003_index'])]);

  it('undoes one step, the newest applied migration, by default', () => {
    expect(steps(planRollback(nodes, byName, usersOnly, { module: 'users' }))).toEqual(['users/0003_index']);
  });

  it('undoes N steps newest first', () => {
    expect(steps(planRollback(nodes, byName, usersOnly, { module: 'users', target: { steps: 2 } }))).toEqual([
      'users/0003_index',
      'users/0002_email',
    ]);
  });

  it('--to ID keeps ID applied and undoes everything after it', () => {
    const plan = planRollback(nodes, byName, usersOnly, { module: 'users', target: { to: '0001_users' } });
    expect(steps(plan)).toEqual(['users/0003_index', 'users/0002_email']);
  });

  it('--to the newest applied id is nothing to do, even with dependents applied', () => {
    const h = histories([history('users', ['0001_users']), history('billing', ['0001_invoices'])]);
    const plan = planRollback(nodes, byName, h, { module: 'users', target: { to: '0001_users' } });
    expect(plan.steps).toEqual([]);
    expect(plan.blockers).toEqual([]);
  });

  it('refuses more steps than are applied, and an unapplied --to id with a suggestion', () => {
    expect(() => planRollback(nodes, byName, usersOnly, { module: 'users', target: { steps: 4 } })).toThrow(
      /only 3 are applied/,
    );
    expect(() => planRollback(nodes, byName, usersOnly, { module: 'users', target: { to: '0002_emial' } })).toThrow(
      /did you mean "0002_email"/,
    );
  });

  it('nothing applied is nothing to roll back, whatever the steps or a known --to id; an unknown --to id is still refused', () => {
    for (const target of [undefined, { steps: 1 }, { steps: 5 }, { to: '0001_users' }]) {
      const plan = planRollback(nodes, byName, histories([]), { module: 'users', ...(target ? { target } : {}) });
      expect(plan).toMatchObject({ applied: 0, steps: [], blockers: [] });
    }
    expect(() => planRollback(nodes, byName, histories([]), { module: 'users', target: { to: '0009_nope' } })).toThrow(
      /not applied/,
    );
  });

  it('says "1 migration", not "1 migrations"', () => {
    const one = histories([history('users', ['0001_users'])]);
    expect(() => planRollback(nodes, byName, one, { module: 'users', target: { steps: 2 } })).toThrow(
      'cannot roll back 2 migrations of module "users": only 1 is applied (0001_users). Use --steps 1 or --to ID.',
    );
    expect(planRollback(nodes, byName, one, { module: 'users' }).applied).toBe(1);
  });

  it('refuses an unknown module with did-you-mean', () => {
    expect(() => planRollback(nodes, byName, usersOnly, { module: 'user' })).toThrow(UsageError);
    expect(() => planRollback(nodes, byName, usersOnly, { module: 'user' })).toThrow(/did you mean "users"/);
  });

  it('reports transitive dependents with applied migrations as blockers, in reverse topological order', () => {
    const h = histories([
      history('users', ['0001_users']),
      history('billing', ['0001_invoices', '0002_refunds']),
      history('reports', ['0001_views']),
      history('analytics', ['0001_events']),
    ]);
    const plan = planRollback(nodes, byName, h, { module: 'users' });
    expect(plan.blockers).toEqual([
      { module: 'reports', applied: ['0001_views'] },
      { module: 'billing', applied: ['0001_invoices', '0002_refunds'] },
    ]);
    expect(steps(plan)).toEqual(['users/0001_users']);
  });

  it('--cascade rolls dependents back completely first, newest first, then the module', () => {
    const h = histories([
      history('users', ['0001_users', '0002_email']),
      history('billing', ['0001_invoices', '0002_refunds']),
      history('reports', ['0001_views']),
      history('search', []),
    ]);
    const plan = planRollback(nodes, byName, h, { module: 'users', cascade: true });
    expect(plan.blockers).toEqual([]);
    expect(steps(plan)).toEqual([
      'reports/0001_views',
      'billing/0002_refunds',
      'billing/0001_invoices',
      'users/0002_email',
    ]);
    expect(plan.steps.map((s) => s.reason)).toEqual(['cascade', 'cascade', 'cascade', 'target']);
    expect(plan.steps[0]!.table).toBe('t_reports');
  });

  it('keeps steps whose file is gone (without a migration) so the down check can name them', () => {
    const h = histories([history('users', ['0001_users', '0002_email', '0003_index', '0004_gone'])]);
    const [step] = planRollback(nodes, byName, h, { module: 'users' }).steps;
    expect(step).toMatchObject({ module: 'users', id: '0004_gone' });
    expect(step!.migration).toBeUndefined();
  });

  it('reports a dirty row in a touched module', () => {
    const h = histories([history('users', ['0001_users', '0002_email'], { '0002_email': { state: 'started' } })]);
    expect(planRollback(nodes, byName, h, { module: 'users' }).dirty).toEqual([{ module: 'users', id: '0002_email' }]);
  });

  it('sorts by byte order, as the Rust runtime does', () => {
    const m = [loadedModule('x', ['0009_a', '0010_b', 'm0001_c'])];
    const h = histories([history('x', ['0010_b', '0009_a', 'm0001_c'])]);
    expect(
      steps(planRollback(nodesOf(m), new Map(m.map((x) => [x.name, x])), h, { module: 'x', target: { steps: 3 } })),
    ).toEqual(['x/m0001_c', 'x/0010_b', 'x/0009_a']);
  });
});
