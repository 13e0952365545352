import { validate } from '../../api/validate.js';
import { EXIT_CODES } from '../../errors.js';
import { allowOptions, projectOptions, type CommonFlags } from '../common-options.js';
import { loadFleet, type FleetFlags } from '../fleet-options.js';
import { describeTarget } from '../../config/database-url.js';
import { databaseJson, databasesJson, type Output, plural } from '../output.js';
import { lintFindingLines, lintJson, lintSummary } from '../lint-lines.js';

export interface ValidateFlags extends CommonFlags, FleetFlags {
  readonly offline?: boolean;
}

/** `modkit validate`: files offline, and the database when it answers; changes nothing. */
export async function validateCommand(flags: ValidateFlags, output: Output, signal: AbortSignal): Promise<number> {
  const { config, targets } = await loadFleet(flags);
  if (targets && !flags.offline) {
    // The files once (they are the same for every target), then each target's history.
    const files = await validate({ ...projectOptions(flags), config, offline: true });
    const migrations = files.project.modules.reduce((n, m) => n + m.migrations.length, 0);
    output.line(`Checked ${plural(files.project.modules.length, 'module')} and ${plural(migrations, 'migration')}: graph, names, ids and files; now each target's history.`);
    for (const w of files.markerWarnings) output.warn(w);
    return (await import('./fleet.js')).inspectFleetCommand('validate', flags, output, signal, files.project, targets, files.fileProblems);
  }
  const report = await validate({ ...projectOptions(flags), config, allow: allowOptions(flags), offline: flags.offline === true });
  const modules = report.project.modules.length;
  const migrations = report.project.modules.reduce((n, m) => n + m.migrations.length, 0);
  output.line(`Checked ${plural(modules, 'module')} and ${plural(migrations, 'migration')}: graph, names, ids and files.`);
  for (const p of report.fileProblems) output.line(`problem [file] ${p}`);
  for (const w of report.markerWarnings) output.warn(w);
  const lint = report.lint;
  // Only when something was linted: a SQLite project's validate stays as it was (`modkit lint` says what it skips).
  for (const line of lintFindingLines(lint, { withIgnored: false })) output.line(line);
  if (lint.migrations.length > 0) output.line(`Lint (PostgreSQL rules): ${lintSummary(lint)}`);
  const online = report.online;
  if (online.checked) {
    if (report.databases.length > 1) output.line(`Databases checked: ${report.databases.map((g) => `${describeTarget(g.target)} (${g.modules.join(', ')})`).join('; ')}.`);
    for (const p of online.plan.problems) output.line(`problem [${p.kind}] ${p.message}${online.plan.blocking.includes(p) ? '' : ' (allowed)'}`);
    output.line(`Database checked: ${plural(online.plan.problems.length, 'problem')}, ${plural(online.plan.pendingCount, 'pending migration')}.`);
  } else {
    output.line(`Database not checked: ${online.reason}`);
  }
  const blocked = (online.checked && online.plan.blocking.length > 0) || lint.errors > 0;
  const exitCode = report.fileProblems.length > 0 ? EXIT_CODES.usage : blocked ? EXIT_CODES.validation : EXIT_CODES.ok;
  if (exitCode === EXIT_CODES.ok) output.line('Valid.');
  output.document('validate', exitCode, {
    database: databaseJson(report.project.config.database),
    databases: databasesJson(report.databases),
    fileProblems: report.fileProblems,
    markerWarnings: report.markerWarnings,
    lint: lintJson(lint),
    online: online.checked
      ? { checked: true, problems: online.plan.problems, pendingCount: online.plan.pendingCount }
      : { checked: false, reason: online.reason },
  });
  return exitCode;
}
