/**
 * Renders an ordered module graph for `modkit graph` (text, Mermaid, Graphviz DOT, JSON).
 * Pure: returns strings and plain objects; only `src/cli` prints them.
 */
import type { GraphNode, ModuleOrder } from './module-graph.js';

/** The output formats of `modkit graph --format`. */
export type GraphFormat = 'text' | 'mermaid' | 'dot';

/** The shape of `modkit graph --json`. */
export interface GraphJson {
  readonly modules: readonly { name: string; deps: string[]; system: boolean; file: string }[];
  readonly topological: readonly string[];
  readonly systemFirst: readonly string[];
  readonly stop: readonly string[];
}

/**
 * The nodes in system-first order, with their deps deduplicated (declaration order
 * kept). Going through the order, not the input array, makes the output
 * independent of discovery order.
 */
function orderedNodes(nodes: readonly GraphNode[], order: ModuleOrder): GraphNode[] {
  const byName = new Map<string, GraphNode>();
  for (const node of nodes) if (!byName.has(node.name)) byName.set(node.name, node);
  return order.systemFirst.flatMap((name) => {
    const node = byName.get(name);
    return node === undefined ? [] : [{ ...node, deps: [...new Set(node.deps)] }];
  });
}

function renderText(nodes: readonly GraphNode[], order: ModuleOrder): string {
  const lines: string[] = [];
  for (const node of nodes) {
    lines.push(node.system ? `${node.name} [system]` : node.name);
    if (node.deps.length > 0) lines.push(`  -> ${node.deps.join(', ')}`);
  }
  lines.push('', `topological: ${order.topological.join(', ')}`, `system-first: ${order.systemFirst.join(', ')}`);
  return lines.join('\n') + '\n';
}

/**
 * A Mermaid node id. Ids are prefixed because Mermaid reserves words such as `end`,
 * and hyphens become underscores because `-` can start an edge in Mermaid syntax.
 * (Valid module names have no underscores, so ids cannot collide.)
 */
const mermaidId = (name: string): string => `m_${name.replace(/[^a-zA-Z0-9]/g, '_')}`;

function renderMermaid(nodes: readonly GraphNode[]): string {
  const lines = ['graph TD'];
  for (const node of nodes) {
    lines.push(`  ${mermaidId(node.name)}["${node.name}"]${node.system ? ':::system' : ''}`);
  }
  for (const node of nodes) {
    for (const dep of node.deps) lines.push(`  ${mermaidId(node.name)} --> ${mermaidId(dep)}`);
  }
  lines.push('  classDef system fill:#e8eefc,stroke:#3559b5,stroke-width:2px');
  return lines.join('\n') + '\n';
}

/** A quoted DOT id: hyphens are not allowed in bare ids. */
const dotId = (name: string): string => `"${name.replace(/["\\]/g, '\\$&')}"`;

function renderDot(nodes: readonly GraphNode[]): string {
  const lines = ['digraph modkit {', '  rankdir=TB;'];
  for (const node of nodes) lines.push(`  ${dotId(node.name)}${node.system ? ' [shape=box]' : ''};`);
  for (const node of nodes) {
    for (const dep of node.deps) lines.push(`  ${dotId(node.name)} -> ${dotId(dep)};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * The module graph as text (one module per line, in system-first order, then the
 * orders), Mermaid (`graph TD`, system modules styled) or Graphviz DOT (system
 * modules as boxes). Edges point from a module to each dependency. The output is
 * deterministic and ends with a newline.
 *
 * @example
 * const order = orderModules(nodes);
 * process.stdout.write(renderGraph(nodes, order, 'mermaid'));
 */
export function renderGraph(nodes: readonly GraphNode[], order: ModuleOrder, format: GraphFormat): string {
  const ordered = orderedNodes(nodes, order);
  switch (format) {
    case 'text':
      return renderText(ordered, order);
    case 'mermaid':
      return renderMermaid(ordered);
    case 'dot':
      return renderDot(ordered);
  }
}

/**
 * The module graph as a plain JSON-serialisable object (`modkit graph --json`),
 * modules in system-first order.
 *
 * @example
 * JSON.stringify(graphToJson(nodes, orderModules(nodes)));
 */
export function graphToJson(nodes: readonly GraphNode[], order: ModuleOrder): GraphJson {
  return {
    modules: orderedNodes(nodes, order).map(({ name, deps, system, file }) => ({
      name,
      deps: [...deps],
      system,
      file,
    })),
    topological: [...order.topological],
    systemFirst: [...order.systemFirst],
    stop: [...order.stop],
  };
}
