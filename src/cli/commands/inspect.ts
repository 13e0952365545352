import { readFile } from 'node:fs/promises';
import { inspect } from '../../api/inspect.js';
import { EXIT_CODES } from '../../errors.js';
import type { ModulePlan } from '../../plan/types.js';
import { allowOptions, projectOptions, type CommonFlags } from '../common-options.js';
import { loadFleet, type FleetFlags } from '../fleet-options.js';
import { loadProject } from '../../project/load-project.js';
import { heldBackLines, parseStopAt } from '../to-option.js';
import {
  acrossDatabases,
  databaseJson,
  databasesJson,
  databaseSuffix,
  describeDatabases,
  displayPath,
  moduleDatabaseUrls,
  type Output,
  plural,
} from '../output.js';

export interface PlanFlags extends CommonFlags, FleetFlags {
  readonly sql?: boolean;
  /** `--to ID` / `--to MODULE=ID`: what `migrate --only --to` would do. */
  readonly to?: string[];
}

/** `modkit plan`: what migrate would do, in order, without writing anything. */
export async function planCommand(flags: PlanFlags, output: Output, signal: AbortSignal): Promise<number> {
  const to = parseStopAt(flags.to, flags.module);
  const { config, targets } = await loadFleet(flags);
  if (targets)
    return (await import('./fleet.js')).inspectFleetCommand(
      'plan',
      flags,
      output,
      signal,
      await loadProject({ ...projectOptions(flags), config }),
      targets,
      [],
      to,
    );
  const { database, databases, plan } = await inspect({
    ...projectOptions(flags),
    config,
    allow: allowOptions(flags),
    ...(to ? { to } : {}),
  });
  output.line(describeDatabases(database, databases));
  const suffix = databaseSuffix(databases);
  const urls = moduleDatabaseUrls(databases);
  const modules = [];
  let step = 0;
  for (const m of plan.modules) {
    const pending = [];
    for (const migration of m.pending) {
      step += 1;
      const sql =
        flags.sql && migration.format === 'sql'
          ? migration.file
            ? await readFile(migration.file, 'utf8')
            : String(migration.inline?.up)
          : undefined;
      pending.push({
        id: migration.id,
        format: migration.format,
        ...(migration.file ? { file: migration.file } : {}),
        ...(sql !== undefined ? { sql } : {}),
      });
      output.line(
        `${String(step).padStart(4)}. ${m.module.name} ${migration.id}${migration.file ? `  (${displayPath(migration.file)})` : ''}${suffix(m.module.name)}`,
      );
      if (sql !== undefined) output.line(indent(sql.trimEnd()));
    }
    const heldBack = m.heldBack ? { heldBack: m.heldBack.map((h) => h.id) } : {};
    modules.push({
      name: m.module.name,
      system: m.module.system,
      database: urls.get(m.module.name),
      pending,
      ...heldBack,
    });
  }
  if (to) for (const line of heldBackLines(plan, to, true)) output.line(line);
  for (const p of plan.problems) output.line(`problem [${p.kind}] ${p.message}`);
  const blocked = plan.blocking.length > 0;
  output.line(
    plan.pendingCount === 0
      ? 'Nothing to migrate.'
      : `${blocked ? 'migrate would refuse: fix the problems above first. ' : ''}Would apply ${plural(plan.pendingCount, 'migration')} in ${plural(plan.modules.filter((m) => m.pending.length > 0).length, 'module')}${acrossDatabases(databases)}.`,
  );
  output.document('plan', EXIT_CODES.ok, {
    database: databaseJson(database),
    databases: databasesJson(databases),
    modules,
    pendingCount: plan.pendingCount,
    problems: plan.problems,
    wouldRefuse: blocked,
  });
  return EXIT_CODES.ok;
}

export interface StatusFlags extends CommonFlags, FleetFlags {
  readonly exitCode?: boolean;
}

/** `modkit status`: per module, applied count, pending ids, last applied id and time, problems. */
export async function statusCommand(flags: StatusFlags, output: Output, signal: AbortSignal): Promise<number> {
  const { config, targets } = await loadFleet(flags);
  if (targets)
    return (await import('./fleet.js')).inspectFleetCommand(
      'status',
      flags,
      output,
      signal,
      await loadProject({ ...projectOptions(flags), config }),
      targets,
    );
  const { database, databases, plan } = await inspect({ ...projectOptions(flags), config });
  output.line(describeDatabases(database, databases));
  const suffix = databaseSuffix(databases);
  const urls = moduleDatabaseUrls(databases);
  const width = Math.max(6, ...plan.modules.map((m) => m.module.name.length));
  output.line(`${'module'.padEnd(width)}  applied  pending  last applied`);
  for (const m of plan.modules) {
    output.line(
      `${m.module.name.padEnd(width)}  ${String(m.applied.length).padStart(7)}  ${String(m.pending.length).padStart(7)}  ${lastApplied(m)}${suffix(m.module.name)}`,
    );
    if (m.pending.length > 0) output.line(`${' '.repeat(width)}  pending: ${m.pending.map((p) => p.id).join(', ')}`);
    for (const p of m.problems) output.line(`${' '.repeat(width)}  problem [${p.kind}] ${p.message}`);
  }
  const upToDate = plan.pendingCount === 0 && plan.problems.length === 0;
  output.line(
    upToDate
      ? 'Up to date.'
      : `${plural(plan.pendingCount, 'pending migration')}, ${plural(plan.problems.length, 'problem')}.`,
  );
  const exitCode = flags.exitCode && !upToDate ? EXIT_CODES.validation : EXIT_CODES.ok;
  output.document('status', exitCode, {
    database: databaseJson(database),
    databases: databasesJson(databases),
    upToDate,
    modules: plan.modules.map((m) => ({
      name: m.module.name,
      system: m.module.system,
      database: urls.get(m.module.name),
      table: m.history.table || undefined,
      applied: m.applied.length,
      pending: m.pending.map((p) => p.id),
      lastApplied: m.lastApplied
        ? { id: m.lastApplied.version, appliedAt: m.lastApplied.appliedAt?.toISOString() ?? null }
        : null,
      problems: m.problems,
    })),
    problems: plan.problems,
  });
  return exitCode;
}

function lastApplied(m: ModulePlan): string {
  if (!m.lastApplied) return '-';
  const at =
    m.lastApplied.appliedAt
      ?.toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z') ?? 'unknown time';
  return `${m.lastApplied.version} at ${at}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
}
