import { EXIT_CODES } from '../../errors.js';
import { graphToJson, renderGraph, type GraphFormat } from '../../graph/render-graph.js';
import { loadProject } from '../../project/load-project.js';
import type { CommonFlags } from '../common-options.js';
import type { Output } from '../output.js';

export interface GraphFlags extends CommonFlags {
  readonly format?: GraphFormat;
}

/** `modkit graph [--format text|mermaid|dot]`: the module graph and its orders. No database, no driver. */
export async function graphCommand(flags: GraphFlags, output: Output): Promise<number> {
  // The graph holds no migration: an unfinished one (a stub from `modkit new`) does not stop it.
  const project = await loadProject({ ...(flags.config ? { configPath: flags.config } : {}), allowUnfinished: true });
  // Under --json the document is the output; the rendering would only be noise on stderr.
  if (!output.json) output.line(renderGraph(project.nodes, project.order, flags.format ?? 'text').trimEnd());
  output.document('graph', EXIT_CODES.ok, { ...graphToJson(project.nodes, project.order) });
  return EXIT_CODES.ok;
}
