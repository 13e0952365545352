/**
 * The module graph (SPEC §3): problem detection and the deterministic orders.
 * Pure: no fs, no db. Every rule about module order lives here.
 */
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import { describeCycles } from './find-cycles.js';
import { indexGraph, smallestTopologicalOrder, type IndexedGraph } from './indexed-graph.js';

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
  const selected = reach(
    g.deps,
    names.map((name) => g.index.get(name)!),
  );
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
