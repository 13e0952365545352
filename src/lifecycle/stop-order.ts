/**
 * The order in which modules stop: the reverse of the topological order (SPEC §3), restricted
 * to the modules that started. A module therefore always stops before the modules it depends on.
 */
export function stopOrder(topological: readonly string[], started: Iterable<string>): readonly string[] {
  const keep = new Set(started);
  return topological.filter((name) => keep.has(name)).reverse();
}
