import type { IndexedGraph } from './indexed-graph.js';

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
export function findCycles(g: IndexedGraph, limit: number): number[][] {
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

export function describeCycles(g: IndexedGraph): string[] {
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
