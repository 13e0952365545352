import { describe, it, expect } from 'vitest';
import type { GraphNode } from '../../src/graph/module-graph.js';
import { orderModules } from '../../src/graph/module-graph.js';
import { graphToJson, renderGraph } from '../../src/graph/render-graph.js';

const mod = (name: string, deps: string[] = [], system = false): GraphNode => ({
  name,
  deps,
  system,
  file: `modules/${name}/module.ts`,
});

const nodes: GraphNode[] = [
  mod('platform', [], true),
  mod('audit-log', ['platform', 'platform'], true),
  mod('tenancy', ['platform']),
  mod('end', ['tenancy', 'audit-log']),
];
const order = orderModules(nodes);

describe('renderGraph', () => {
  it('renders text in system-first order, then the orders', () => {
    expect(renderGraph(nodes, order, 'text')).toBe(
      [
        'platform [system]',
        'audit-log [system]',
        '  -> platform',
        'tenancy',
        '  -> platform',
        'end',
        '  -> tenancy, audit-log',
        '',
        'topological: platform, audit-log, tenancy, end',
        'system-first: platform, audit-log, tenancy, end',
        '',
      ].join('\n'),
    );
  });

  it('renders mermaid with safe ids, edges to deps and styled system modules', () => {
    expect(renderGraph(nodes, order, 'mermaid')).toBe(
      [
        'graph TD',
        '  m_platform["platform"]:::system',
        '  m_audit_log["audit-log"]:::system',
        '  m_tenancy["tenancy"]',
        '  m_end["end"]',
        '  m_audit_log --> m_platform',
        '  m_tenancy --> m_platform',
        '  m_end --> m_tenancy',
        '  m_end --> m_audit_log',
        '  classDef system fill:#e8eefc,stroke:#3559b5,stroke-width:2px',
        '',
      ].join('\n'),
    );
  });

  it('renders dot with system modules as boxes', () => {
    expect(renderGraph(nodes, order, 'dot')).toBe(
      [
        'digraph modkit {',
        '  rankdir=TB;',
        '  "platform" [shape=box];',
        '  "audit-log" [shape=box];',
        '  "tenancy";',
        '  "end";',
        '  "audit-log" -> "platform";',
        '  "tenancy" -> "platform";',
        '  "end" -> "tenancy";',
        '  "end" -> "audit-log";',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('is deterministic whatever the input order', () => {
    const reversed = [...nodes].reverse();
    for (const format of ['text', 'mermaid', 'dot'] as const) {
      expect(renderGraph(reversed, orderModules(reversed), format)).toBe(renderGraph(nodes, order, format));
    }
  });
});

describe('graphToJson', () => {
  it('lists modules in system-first order with deduplicated deps, and the three orders', () => {
    const json = graphToJson(nodes, order);
    expect(json).toEqual({
      modules: [
        { name: 'platform', deps: [], system: true, file: 'modules/platform/module.ts' },
        { name: 'audit-log', deps: ['platform'], system: true, file: 'modules/audit-log/module.ts' },
        { name: 'tenancy', deps: ['platform'], system: false, file: 'modules/tenancy/module.ts' },
        { name: 'end', deps: ['tenancy', 'audit-log'], system: false, file: 'modules/end/module.ts' },
      ],
      topological: ['platform', 'audit-log', 'tenancy', 'end'],
      systemFirst: ['platform', 'audit-log', 'tenancy', 'end'],
      stop: ['end', 'tenancy', 'audit-log', 'platform'],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
