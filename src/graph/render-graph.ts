/**
 * Renders an ordered module graph for `modkit graph` (text, Mermaid, Graphviz DOT, JSON).
 * Pure: returns strings and plain objects; only `src/cli` prints them.
 */
import type { GraphNode, ModuleOrder } from './module-graph.js';

/** The output formats of `modkit graph --format`. */
export type GraphFormat = 'text' | 'mermaid' | 'dot';

/** The shape of `modkit graph --json`. */
export interface GraphJson {
  /** `database`: the redacted URL of the database holding the module's history, when known. */
  readonly modules: readonly { name: string; deps: string[]; system: boolean; file: string; database?: string }[];
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

/** Module name → its own database, as printed (`SQLite /srv/audit.sqlite`); absent for the default one. */
export type OwnDatabases = ReadonlyMap<string, string>;

function renderText(nodes: readonly GraphNode[], order: ModuleOrder, own: OwnDatabases): string {
  const lines: string[] = [];
  for (const node of nodes) {
    lines.push(node.system ? `${node.name} [system]` : node.name);
    if (node.deps.length > 0) lines.push(`  -> ${node.deps.join(', ')}`);
    if (own.has(node.name)) lines.push(`  database: ${own.get(node.name)}`);
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

/** Text inside a quoted Mermaid label: `"` and `#` would end or escape it. */
const mermaidText = (text: string): string => text.replace(/#/g, '#35;').replace(/"/g, '#quot;');

function renderMermaid(nodes: readonly GraphNode[], own: OwnDatabases): string {
  const lines = ['graph TD'];
  for (const node of nodes) {
    const label = own.has(node.name)
      ? `${node.name}<br/><small>${mermaidText(own.get(node.name)!)}</small>`
      : node.name;
    lines.push(`  ${mermaidId(node.name)}["${label}"]${node.system ? ':::system' : ''}`);
  }
  for (const node of nodes) {
    for (const dep of node.deps) lines.push(`  ${mermaidId(node.name)} --> ${mermaidId(dep)}`);
  }
  lines.push('  classDef system fill:#e8eefc,stroke:#3559b5,stroke-width:2px');
  return lines.join('\n') + '\n';
}

/** A quoted DOT id: hyphens are not allowed in bare ids. */
const dotId = (name: string): string => `"${name.replace(/["\\]/g, '\\$&')}"`;

function renderDot(nodes: readonly GraphNode[], own: OwnDatabases): string {
  const lines = ['digraph modkit {', '  rankdir=TB;'];
  for (const node of nodes) {
    const attributes = [
      ...(node.system ? ['shape=box'] : []),
      ...(own.has(node.name) ? [`label=${dotId(`${node.name}\n${own.get(node.name)!}`)}`] : []),
    ];
    lines.push(`  ${dotId(node.name)}${attributes.length > 0 ? ` [${attributes.join(', ')}]` : ''};`);
  }
  for (const node of nodes) {
    for (const dep of node.deps) lines.push(`  ${dotId(node.name)} -> ${dotId(dep)};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * The module graph as text (one module per line, in system-first order, then the
 * orders), Mermaid (`graph TD`, system modules styled) or Graphviz DOT (system
 * modules as boxes). Edges point from a module to each dependency. A module with a database
 * of its own (`own`) carries it: a `database:` line, a second label line. The output is
 * deterministic and ends with a newline.
 *
 * @example
 * const order = orderModules(nodes);
 * process.stdout.write(renderGraph(nodes, order, 'mermaid'));
 */
export function renderGraph(
  nodes: readonly GraphNode[],
  order: ModuleOrder,
  format: GraphFormat,
  own: OwnDatabases = new Map(),
): string {
  const ordered = orderedNodes(nodes, order);
  switch (format) {
    case 'text':
      return renderText(ordered, order, own);
    case 'mermaid':
      return renderMermaid(ordered, own);
    case 'dot':
      return renderDot(ordered, own);
  }
}

/**
 * The module graph as a plain JSON-serialisable object (`modkit graph --json`),
 * modules in system-first order, each with its database from `databases` (module → redacted URL).
 *
 * @example
 * JSON.stringify(graphToJson(nodes, orderModules(nodes)));
 */
export function graphToJson(
  nodes: readonly GraphNode[],
  order: ModuleOrder,
  databases: ReadonlyMap<string, string> = new Map(),
): GraphJson {
  return {
    modules: orderedNodes(nodes, order).map(({ name, deps, system, file }) => ({
      name,
      deps: [...deps],
      system,
      file,
      ...(databases.has(name) ? { database: databases.get(name)! } : {}),
    })),
    topological: [...order.topological],
    systemFirst: [...order.systemFirst],
    stop: [...order.stop],
  };
}
