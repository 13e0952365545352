import { repair } from '../../api/repair.js';
import { EXIT_CODES } from '../../errors.js';
import type { RepairChange } from '../../plan/plan-repair.js';
import { projectOptions, type CommonFlags } from '../common-options.js';
import {
  databaseJson,
  databasesJson,
  databaseSuffix,
  describeDatabases,
  moduleDatabaseUrls,
  type Output,
  plural,
} from '../output.js';
import { progressReporter } from '../progress.js';
import { loadFleet, type FleetFlags } from '../fleet-options.js';
import { loadProject } from '../../project/load-project.js';

/** `modkit repair [--module M]`: re-record checksums, clear dirty state, print every change. */
export async function repairCommand(
  flags: CommonFlags & FleetFlags & { readonly retry?: boolean },
  output: Output,
  signal: AbortSignal,
): Promise<number> {
  const { modules: _all, ...options } = projectOptions(flags);
  const request = { ...(flags.module ? { modules: flags.module } : {}), retry: flags.retry === true };
  const { config, targets } = await loadFleet(flags);
  if (targets)
    return (await import('./fleet.js')).repairFleetCommand(
      flags,
      output,
      signal,
      await loadProject({ ...options, config }),
      targets,
      request,
    );
  const report = await repair({ ...options, config, ...request, signal, onEvent: progressReporter(output) });
  const { plan } = report;
  output.line(describeDatabases(report.database, report.databases));
  const suffix = databaseSuffix(report.databases);
  const urls = moduleDatabaseUrls(report.databases);
  for (const u of plan.upgrades)
    output.line(`  upgraded  ${u.module}: added ${u.columns.join(', ')} to ${u.table}${suffix(u.module)}`);
  for (const c of plan.changes) output.line(`  ${describe(c)}${suffix(c.module)}`);
  for (const m of plan.missing)
    output.line(`  left alone ${m.module} ${m.id}: applied, but its file is gone${suffix(m.module)}`);
  output.line(
    plan.changes.length === 0 && plan.upgrades.length === 0
      ? `Nothing to repair in ${plural(report.modules.length, 'module')}.`
      : `Repaired ${plural(plan.changes.length, 'row')}${plan.upgrades.length > 0 ? ` and upgraded ${plural(plan.upgrades.length, 'table')}` : ''}.`,
  );
  output.document('repair', EXIT_CODES.ok, {
    database: databaseJson(report.database),
    databases: databasesJson(report.databases),
    modules: report.modules,
    changes: plan.changes.map((c) => ({ ...c, database: urls.get(c.module) })),
    upgrades: plan.upgrades.map((u) => ({ ...u, database: urls.get(u.module) })),
    missing: plan.missing.map((m) => ({ ...m, database: urls.get(m.module) })),
  });
  return EXIT_CODES.ok;
}

function describe(c: RepairChange): string {
  const short = (s: string | null) => (s === null ? 'null' : s.length === 64 ? `${s.slice(0, 12)}…` : s);
  const what = {
    'checksum-filled': 'checksum filled',
    'checksum-updated': 'checksum updated',
    'dirty-cleared': 'dirty cleared',
    'dirty-retried': 'dirty forgotten',
  }[c.kind];
  return `${what.padEnd(16)} ${c.module} ${c.id}: ${short(c.before)} -> ${c.kind === 'dirty-retried' ? 'pending (runs again on the next migrate)' : short(c.after)}`;
}
