import type { GraphNode } from './module-graph.js';

/**
 * The graph by index. Indices follow the sorted unique names, so comparing two
 * indices compares the names (code-unit order, like JS `<`); heaps and cycle
 * search then work on plain numbers.
 */
export interface IndexedGraph {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** The first node declared under each name (duplicates are reported, not used). */
  readonly nodes: readonly GraphNode[];
  /** Known dependencies, deduplicated, without self-edges, ascending. */
  readonly deps: readonly (readonly number[])[];
  readonly dependents: readonly (readonly number[])[];
}

export function indexGraph(all: readonly GraphNode[]): IndexedGraph {
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
export function smallestTopologicalOrder(g: IndexedGraph): number[] {
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
