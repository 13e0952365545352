import { describe, it, expect } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { GraphNode } from '../../src/graph/module-graph.js';
import {
  MODULE_NAME_PATTERN,
  dependentsOf,
  findGraphProblems,
  orderModules,
  selectWithDependencies,
} from '../../src/graph/module-graph.js';

const mod = (name: string, deps: string[] = [], system = false): GraphNode => ({
  name,
  deps,
  system,
  file: `modules/${name}/module.ts`,
});

/** SPEC §3 worked example. */
const example: GraphNode[] = [
  mod('platform', [], true),
  mod('audit-log', ['platform'], true),
  mod('analytics'),
  mod('tenancy', ['platform']),
  mod('users-info', ['tenancy']),
  mod('billing', ['users-info']),
  mod('search', ['users-info']),
  mod('reports', ['billing', 'audit-log']),
];

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('orderModules', () => {
  it('orders the SPEC §3 example', () => {
    const order = orderModules(example);
    expect(order.topological).toEqual([
      'analytics',
      'platform',
      'audit-log',
      'tenancy',
      'users-info',
      'billing',
      'reports',
      'search',
    ]);
    expect(order.systemFirst).toEqual([
      'platform',
      'audit-log',
      'analytics',
      'tenancy',
      'users-info',
      'billing',
      'reports',
      'search',
    ]);
    expect(order.stop).toEqual([...order.topological].reverse());
  });

  it('does not depend on the input order', () => {
    const expected = orderModules(example);
    for (const shuffled of [[...example].reverse(), [...example.slice(3), ...example.slice(0, 3)]]) {
      expect(orderModules(shuffled)).toEqual(expected);
    }
  });

  it('compares names by code unit, like JS <', () => {
    expect(orderModules([mod('b2'), mod('b10'), mod('a-b'), mod('a')]).topological).toEqual(['a', 'a-b', 'b10', 'b2']);
  });

  it('ignores duplicate deps entries', () => {
    const order = orderModules([mod('b', ['a', 'a']), mod('a')]);
    expect(order.topological).toEqual(['a', 'b']);
    expect(findGraphProblems([mod('b', ['a', 'a']), mod('a')])).toEqual([]);
  });

  it('handles an empty graph', () => {
    expect(orderModules([])).toEqual({ topological: [], systemFirst: [], stop: [] });
  });

  it('throws one UsageError (exit 2) listing every problem', () => {
    const error = usageErrorOf(() => orderModules([mod('Bad'), mod('a', ['nope'])]));
    expect(error.exitCode).toBe(2);
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain('"Bad"');
    expect(error.message).toContain('"nope"');
  });

  it('orders a 5,000-module chain and a 5,000-module fan', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `m${String(i).padStart(4, '0')}`);
    const chain = names.map((name, i) => mod(name, i === 0 ? [] : [names[i - 1]!])).reverse();
    expect(orderModules(chain).topological).toEqual(names);
    const fan = names.map((name, i) => mod(name, i === 0 ? [] : [names[0]!, names[Math.floor(i / 2)]!]));
    const order = orderModules(fan);
    expect(order.topological[0]).toBe('m0000');
    expect(new Set(order.topological).size).toBe(5000);
  });
});

describe('findGraphProblems', () => {
  it('accepts the example', () => {
    expect(findGraphProblems(example)).toEqual([]);
  });

  it('reports invalid names', () => {
    for (const bad of ['Billing', 'users_info', 'users--info', '-a', 'a-', '1a', '']) {
      expect(MODULE_NAME_PATTERN.test(bad)).toBe(false);
      const [problem] = findGraphProblems([mod(bad)]);
      expect(problem).toContain(`Module name "${bad}" (modules/${bad}/module.ts) is not kebab-case`);
    }
    expect(MODULE_NAME_PATTERN.test('s3-store')).toBe(true);
  });

  it('reports duplicate names with both files', () => {
    const problems = findGraphProblems([mod('a'), { ...mod('a'), file: 'other/a.ts' }]);
    expect(problems).toEqual(['Duplicate module name "a" in modules/a/module.ts, other/a.ts.']);
  });

  it('reports unknown deps with a suggestion among known names', () => {
    expect(findGraphProblems([mod('billing', ['user-info']), mod('users-info')])).toEqual([
      'Module "billing" (modules/billing/module.ts) depends on unknown module "user-info" (did you mean "users-info"?).',
    ]);
    expect(findGraphProblems([mod('billing', ['zzz'])])).toEqual([
      'Module "billing" (modules/billing/module.ts) depends on unknown module "zzz".',
    ]);
  });

  it('reports a module depending on itself', () => {
    expect(findGraphProblems([mod('a', ['a'])])).toEqual(['Module "a" (modules/a/module.ts) depends on itself.']);
  });

  it('reports a system module depending on a non-system module, naming both files', () => {
    expect(findGraphProblems([mod('core', ['tenancy'], true), mod('tenancy')])).toEqual([
      'System module "core" (modules/core/module.ts) depends on non-system module "tenancy" (modules/tenancy/module.ts); system modules may depend only on system modules.',
    ]);
  });

  it('prints a cycle from its smallest member, with the files', () => {
    const problems = findGraphProblems([mod('c', ['a']), mod('b', ['c']), mod('a', ['b']), mod('d', ['c'])]);
    expect(problems).toEqual([
      'Dependency cycle: a -> b -> c -> a (a in modules/a/module.ts, b in modules/b/module.ts, c in modules/c/module.ts).',
    ]);
    const two = findGraphProblems([mod('x', ['y']), mod('y', ['x'])]);
    expect(two[0]).toMatch(/^Dependency cycle: x -> y -> x \(/);
  });

  it('lists each distinct cycle once, including cycles that share modules', () => {
    const problems = findGraphProblems([
      mod('a', ['b', 'c']),
      mod('b', ['a']),
      mod('c', ['a']), // two cycles through a
      mod('p', ['q']),
      mod('q', ['p']), // a separate one
    ]);
    const cycles = problems.map((p) => p.match(/^Dependency cycle: (.*) \(/)?.[1]);
    expect(cycles).toEqual(['a -> b -> a', 'a -> c -> a', 'p -> q -> p']);
  });

  it('finds a 5,000-module cycle without overflowing the stack', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `m${i}`);
    const ring = names.map((name, i) => mod(name, [names[(i + 1) % names.length]!]));
    const problems = findGraphProblems(ring);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Dependency cycle: m0 -> m1 -> m2 -> /);
  });

  it('caps the number of cycles listed in a dense tangle', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const clique = names.map((name) =>
      mod(
        name,
        names.filter((other) => other !== name),
      ),
    );
    const problems = findGraphProblems(clique);
    expect(problems).toHaveLength(21);
    expect(problems[20]).toBe('More dependency cycles exist; fix the 20 above first.');
  });

  it('reports every kind of problem together, grouped by kind', () => {
    const problems = findGraphProblems([
      mod('Bad'),
      mod('dup'),
      { ...mod('dup'), file: 'second/dup.ts' },
      mod('self', ['self']),
      mod('lost', ['platfrom']),
      mod('platform', ['app'], true),
      mod('app'),
      mod('x', ['y']),
      mod('y', ['x']),
    ]);
    expect(problems).toEqual([
      'Module name "Bad" (modules/Bad/module.ts) is not kebab-case: use lowercase letters and digits in words joined by single hyphens, like "users-info".',
      'Duplicate module name "dup" in modules/dup/module.ts, second/dup.ts.',
      'Module "self" (modules/self/module.ts) depends on itself.',
      'Module "lost" (modules/lost/module.ts) depends on unknown module "platfrom" (did you mean "platform"?).',
      'System module "platform" (modules/platform/module.ts) depends on non-system module "app" (modules/app/module.ts); system modules may depend only on system modules.',
      'Dependency cycle: x -> y -> x (x in modules/x/module.ts, y in modules/y/module.ts).',
    ]);
  });
});

describe('selectWithDependencies', () => {
  it('returns the named modules and their transitive deps, in topological order', () => {
    expect(selectWithDependencies(example, ['billing'])).toEqual(['platform', 'tenancy', 'users-info', 'billing']);
    expect(selectWithDependencies(example, ['reports', 'analytics', 'reports'])).toEqual([
      'analytics',
      'platform',
      'audit-log',
      'tenancy',
      'users-info',
      'billing',
      'reports',
    ]);
    expect(selectWithDependencies(example, [])).toEqual([]);
  });

  it('rejects every unknown name with a suggestion', () => {
    const error = usageErrorOf(() => selectWithDependencies(example, ['biling', 'zzz', 'search']));
    expect(error.problems).toEqual(['Unknown module "biling" (did you mean "billing"?).', 'Unknown module "zzz".']);
  });

  it('rejects a graph with problems', () => {
    usageErrorOf(() => selectWithDependencies([mod('a', ['b'])], ['a']));
  });
});

describe('dependentsOf', () => {
  it('returns direct and transitive dependents in reverse topological order', () => {
    expect(dependentsOf(example, 'users-info')).toEqual(['search', 'reports', 'billing']);
    expect(dependentsOf(example, 'platform')).toEqual([
      'search',
      'reports',
      'billing',
      'users-info',
      'tenancy',
      'audit-log',
    ]);
    expect(dependentsOf(example, 'search')).toEqual([]);
  });

  it('rejects an unknown name with a suggestion', () => {
    expect(usageErrorOf(() => dependentsOf(example, 'tenacy')).problems).toEqual([
      'Unknown module "tenacy" (did you mean "tenancy"?).',
    ]);
  });
});
