/**
 * The module graph (SPEC §3): problem detection and the deterministic orders.
 * Pure: no fs, no db. Every rule about module order lives here.
 */
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';

/** A module as the graph sees it. */
export interface GraphNode {
  readonly name: string;
  readonly deps: readonly string[];
  readonly system: boolean;
  /** The module file path, used in messages. */
  readonly file: string;
}

/** kebab-case module names: `users-info`, `platform`, `s3-store`. */
export const MODULE_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The three orders of SPEC §3, as module names. */
export interface ModuleOrder {
  /** The lexicographically smallest topological order (dependencies first). */
  readonly topological: readonly string[];
  /** System modules first, each group keeping its topological order: the order to migrate and start. */
  readonly systemFirst: readonly string[];
  /** Reverse topological: the order to stop (dependents before their dependencies). */
  readonly stop: readonly string[];
}

/**
 * The graph by index. Indices follow the sorted unique names, so comparing two
 * indices compares the names (code-unit order, like JS `<`); heaps and cycle
 * search then work on plain numbers.
 */
interface IndexedGraph {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** The first node declared under each name (duplicates are reported, not used). */
  readonly nodes: readonly GraphNode[];
  /** Known dependencies, deduplicated, without self-edges, ascending. */
  readonly deps: readonly (readonly number[])[];
  readonly dependents: readonly (readonly number[])[];
}

function indexGraph(all: readonly GraphNode[]): IndexedGraph {
  const first = new Map<string, GraphNode>();
  for (const node of all) if (!first.has(node.name)) first.set(node.name, node);
  const names = [...first.keys()].sort();
  const index = new Map(names.map((name, i) => [name, i] as const));
  const nodes = names.map((name) => first.get(name)!);
  const deps = nodes.map((node, i) => {
    const known = new Set<number>();
    for (const dep of node.deps) {
      const d = index.get(dep);
      if (d !== undefined && d !== i) known.add(d);
    }
    return [...known].sort((a, b) => a - b);
  });
  const dependents: number[][] = names.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => dependents[d]!.push(i)));
  return { names, index, nodes, deps, dependents };
}

/** A binary min-heap of indices: keeps Kahn's algorithm O(E log V) for thousands of modules. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: number): void {
    const a = this.items;
    let i = a.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= value) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = value;
  }
  pop(): number | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= a.length) break;
      if (child + 1 < a.length && a[child + 1]! < a[child]!) child++;
      if (a[child]! >= last) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

/** Kahn's algorithm, always taking the smallest ready index. Modules on or behind a cycle stay unplaced. */
function smallestTopologicalOrder(g: IndexedGraph): number[] {
  const waiting = g.deps.map((ds) => ds.length);
  const ready = new MinHeap();
  waiting.forEach((count, i) => count === 0 && ready.push(i));
  const placed: number[] = [];
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    placed.push(next);
    for (const dependent of g.dependents[next]!) if (--waiting[dependent]! === 0) ready.push(dependent);
  }
  return placed;
}

/** Enough cycles to act on; a dense tangle can have exponentially many. */
const MAX_CYCLES = 20;

/**
 * The modules that may still lie on a cycle, with `drop(v)` to remove one more.
 * A module with no remaining dependency or no remaining dependent cannot close a
 * cycle, so it goes, and its removal may cascade; each module goes once, so all
 * peeling together costs O(edges). An acyclic graph peels away entirely.
 */
function peelToCycles(g: IndexedGraph): { alive: Set<number>; drop: (v: number) => void } {
  const alive = new Set(g.names.keys());
  const depCount = g.deps.map((ds) => ds.length);
  const dependentCount = g.dependents.map((ds) => ds.length);
  const drop = (start: number): void => {
    for (const work = [start]; work.length > 0; ) {
      const v = work.pop()!;
      if (!alive.delete(v)) continue;
      for (const d of g.deps[v]!) if (alive.has(d) && --dependentCount[d]! === 0) work.push(d);
      for (const d of g.dependents[v]!) if (alive.has(d) && --depCount[d]! === 0) work.push(d);
    }
  };
  for (const v of g.names.keys()) if (depCount[v] === 0 || dependentCount[v] === 0) drop(v);
  return { alive, drop };
}

/**
 * Elementary cycles, by Johnson's algorithm: modules are tried as start `s` in
 * ascending order and dropped once tried, so each cycle is found from its smallest
 * member only: it starts there and is listed once. Iterative, because a cycle may
 * be thousands of modules long. Returns at most `limit` cycles.
 */
function findCycles(g: IndexedGraph, limit: number): number[][] {
  const { alive, drop } = peelToCycles(g);
  const cycles: number[][] = [];
  for (const s of g.names.keys()) {
    if (!alive.has(s)) continue;
    const next = (v: number): number[] => g.deps[v]!.filter((w) => alive.has(w));
    const blocked = new Set<number>([s]);
    // `blockers.get(w)` holds modules to unblock once `w` is unblocked (Johnson's B sets).
    const blockers = new Map<number, Set<number>>();
    const unblock = (u: number): void => {
      for (const work = [u]; work.length > 0; ) {
        const x = work.pop()!;
        if (!blocked.delete(x)) continue;
        for (const w of blockers.get(x) ?? []) work.push(w);
        blockers.delete(x);
      }
    };
    const path = [s];
    const frames = [{ v: s, out: next(s), i: 0, found: false }];
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      const w = top.out[top.i++];
      if (w === s) {
        cycles.push([...path]);
        if (cycles.length >= limit) return cycles;
        top.found = true;
      } else if (w !== undefined) {
        if (!blocked.has(w)) {
          blocked.add(w);
          path.push(w);
          frames.push({ v: w, out: next(w), i: 0, found: false });
        }
      } else {
        if (top.found) unblock(top.v);
        else for (const u of top.out) (blockers.get(u) ?? blockers.set(u, new Set()).get(u)!).add(top.v);
        frames.pop();
        path.pop();
        const parent = frames[frames.length - 1];
        if (parent && top.found) parent.found = true;
      }
    }
    drop(s);
  }
  return cycles;
}

const byName = (a: GraphNode, b: GraphNode): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Every problem of the graph at once (SPEC §3.1), each one a sentence naming the
 * files involved, grouped by kind and sorted by module name so the output is stable.
 *
 * @example
 * findGraphProblems([{ name: 'billing', deps: ['user'], system: false, file: 'billing/module.ts' }]);
 * // ['Module "billing" (billing/module.ts) depends on unknown module "user".']
 */
export function findGraphProblems(nodes: readonly GraphNode[]): string[] {
  const g = indexGraph(nodes);
  const sorted = [...nodes].sort(byName); // stable: duplicates keep their declaration order
  const problems: string[] = [];
  for (const node of sorted) {
    if (!MODULE_NAME_PATTERN.test(node.name)) {
      problems.push(
        `Module name "${node.name}" (${node.file}) is not kebab-case: use lowercase letters and digits in words joined by single hyphens, like "users-info".`,
      );
    }
  }
  const filesByName = new Map<string, string[]>();
  for (const node of sorted) filesByName.set(node.name, [...(filesByName.get(node.name) ?? []), node.file]);
  for (const [name, files] of filesByName) {
    if (files.length > 1) problems.push(`Duplicate module name "${name}" in ${files.join(', ')}.`);
  }
  for (const node of sorted) {
    if (node.deps.includes(node.name)) problems.push(`Module "${node.name}" (${node.file}) depends on itself.`);
  }
  for (const node of sorted) {
    for (const dep of new Set(node.deps)) {
      if (g.index.has(dep)) continue;
      problems.push(
        `Module "${node.name}" (${node.file}) depends on unknown module "${dep}"${didYouMean(dep, g.names)}.`,
      );
    }
  }
  for (const node of sorted) {
    if (!node.system) continue;
    for (const dep of new Set(node.deps)) {
      const target = g.nodes[g.index.get(dep) ?? -1];
      if (target === undefined || target.system || dep === node.name) continue;
      problems.push(
        `System module "${node.name}" (${node.file}) depends on non-system module "${dep}" (${target.file}); system modules may depend only on system modules.`,
      );
    }
  }
  problems.push(...describeCycles(g));
  return problems;
}

function describeCycles(g: IndexedGraph): string[] {
  // One more than we print, to know whether to say that some were left out.
  const cycles = findCycles(g, MAX_CYCLES + 1);
  const messages = cycles.slice(0, MAX_CYCLES).map((cycle) => {
    const names = cycle.map((i) => g.names[i]!);
    const files = names.map((name, k) => `${name} in ${g.nodes[cycle[k]!]!.file}`);
    return `Dependency cycle: ${[...names, names[0]].join(' -> ')} (${files.join(', ')}).`;
  });
  if (cycles.length > MAX_CYCLES) messages.push(`More dependency cycles exist; fix the ${MAX_CYCLES} above first.`);
  return messages;
}

/**
 * The topological, system-first and stop orders of SPEC §3.
 * Throws {@link UsageError} (exit 2) listing every problem of {@link findGraphProblems}.
 *
 * @example
 * orderModules([
 *   { name: 'platform', deps: [], system: true, file: 'platform/module.ts' },
 *   { name: 'billing', deps: ['platform'], system: false, file: 'billing/module.ts' },
 * ]).systemFirst; // ['platform', 'billing']
 */
export function orderModules(nodes: readonly GraphNode[]): ModuleOrder {
  const problems = findGraphProblems(nodes);
  if (problems.length > 0) throw new UsageError(problems);
  const g = indexGraph(nodes);
  const topological = smallestTopologicalOrder(g).map((i) => g.names[i]!);
  const system = (name: string): boolean => g.nodes[g.index.get(name)!]!.system;
  return {
    topological,
    systemFirst: [...topological.filter(system), ...topological.filter((name) => !system(name))],
    stop: [...topological].reverse(),
  };
}

/** Names not in the graph, as problems with suggestions. */
function unknownNames(g: IndexedGraph, names: readonly string[]): string[] {
  return [...new Set(names)]
    .filter((name) => !g.index.has(name))
    .map((name) => `Unknown module "${name}"${didYouMean(name, g.names)}.`);
}

/** Every index reachable from `start` through `edges` (including the starts). */
function reach(edges: readonly (readonly number[])[], start: readonly number[]): Set<number> {
  const seen = new Set(start);
  for (const work = [...start]; work.length > 0; ) {
    for (const next of edges[work.pop()!]!) {
      if (seen.has(next)) continue;
      seen.add(next);
      work.push(next);
    }
  }
  return seen;
}

/**
 * The named modules plus everything they depend on, transitively, in topological
 * order (for `--module M`, repeatable). Unknown names throw {@link UsageError}
 * with a "did you mean" suggestion; graph problems throw as in {@link orderModules}.
 *
 * @example
 * selectWithDependencies(nodes, ['billing']); // ['platform', 'tenancy', 'users-info', 'billing']
 */
export function selectWithDependencies(nodes: readonly GraphNode[], names: readonly string[]): string[] {
  const order = orderModules(nodes);
  const g = indexGraph(nodes);
  const unknown = unknownNames(g, names);
  if (unknown.length > 0) throw new UsageError(unknown);
  const selected = reach(g.deps, names.map((name) => g.index.get(name)!));
  return order.topological.filter((name) => selected.has(g.index.get(name)!));
}

/**
 * Modules that depend on `name`, directly or transitively, in reverse topological
 * order: the order in which to roll them back before `name` itself.
 *
 * @example
 * dependentsOf(nodes, 'users-info'); // ['search', 'reports', 'billing']
 */
export function dependentsOf(nodes: readonly GraphNode[], name: string): string[] {
  const order = orderModules(nodes);
  const g = indexGraph(nodes);
  const unknown = unknownNames(g, [name]);
  if (unknown.length > 0) throw new UsageError(unknown);
  const start = g.index.get(name)!;
  const found = reach(g.dependents, [start]);
  return order.stop.filter((other) => other !== name && found.has(g.index.get(other)!));
}
