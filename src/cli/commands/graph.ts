import { groupByDatabase } from '../../config/database-groups.js';
import { describeTarget } from '../../config/database-url.js';
import { EXIT_CODES } from '../../errors.js';
import { graphToJson, renderGraph, type GraphFormat } from '../../graph/render-graph.js';
import { loadProject } from '../../project/load-project.js';
import type { CommonFlags } from '../common-options.js';
import { databasesJson, moduleDatabaseUrls, type Output } from '../output.js';

export interface GraphFlags extends CommonFlags {
  readonly format?: GraphFormat;
}

/**
 * `modkit graph [--format text|mermaid|dot]`: the module graph and its orders, and the database of
 * each module that has its own. No database is contacted, no driver loaded.
 */
export async function graphCommand(flags: GraphFlags, output: Output): Promise<number> {
  // The graph holds no migration: an unfinished one (a stub from `modkit new`) does not stop it.
  const config = flags.config ? { configPath: flags.config } : {};
  const project = await loadProject({ ...config, allowUnfinished: true, needsDatabase: false });
  const groups = groupByDatabase(
    project.config,
    project.modules.map((m) => m.name),
  );
  const own = new Map(
    groups.filter((g) => !g.isDefault).flatMap((g) => g.modules.map((m) => [m, describeTarget(g.target)] as const)),
  );
  // Under --json the document is the output; the rendering would only be noise on stderr.
  if (!output.json) output.line(renderGraph(project.nodes, project.order, flags.format ?? 'text', own).trimEnd());
  output.document('graph', EXIT_CODES.ok, {
    ...graphToJson(project.nodes, project.order, moduleDatabaseUrls(groups)),
    databases: databasesJson(groups),
  });
  return EXIT_CODES.ok;
}
