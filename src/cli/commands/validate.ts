import { validate, type ValidateReport } from '../../api/validate.js';
import { EXIT_CODES, mostSevereExitCode } from '../../errors.js';
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
  const { config, targets } = await loadFleet(flags, flags.offline ? { needsDatabase: false } : {});
  if (targets && !flags.offline) {
    // The files once (they are the same for every target), then each target's history.
    const files = await validate({ ...projectOptions(flags), config, offline: true });
    const migrations = files.project.modules.reduce((n, m) => n + m.migrations.length, 0);
    output.line(
      `Checked ${plural(files.project.modules.length, 'module')} and ${plural(migrations, 'migration')}: graph, names, ids and files; now each target's history.`,
    );
    for (const w of files.markerWarnings) output.warn(w);
    if (files.markerWarnings.length > 0) output.line(markerTotal(files.markerWarnings.length));
    return (await import('./fleet.js')).inspectFleetCommand(
      'validate',
      flags,
      output,
      signal,
      files.project,
      targets,
      files.fileProblems,
    );
  }
  const report = await validate({
    ...projectOptions(flags),
    config,
    allow: allowOptions(flags),
    offline: flags.offline === true,
  });
  const modules = report.project.modules.length;
  const migrations = report.project.modules.reduce((n, m) => n + m.migrations.length, 0);
  output.line(
    `Checked ${plural(modules, 'module')} and ${plural(migrations, 'migration')}: graph, names, ids and files.`,
  );
  for (const p of report.fileProblems) output.line(`problem [file] ${p}`);
  for (const w of report.markerWarnings) output.warn(w);
  if (report.markerWarnings.length > 0) output.line(markerTotal(report.markerWarnings.length));
  const lint = report.lint;
  // Only when something was linted: a SQLite project's validate stays as it was (`modkit lint` says what it skips).
  for (const line of lintFindingLines(lint, { withIgnored: false })) output.line(line);
  if (lint.migrations.length > 0) output.line(`Lint (PostgreSQL rules): ${lintSummary(lint)}`);
  const online = report.online;
  if (online.checked) {
    if (report.databases.length > 1)
      output.line(
        `Databases checked: ${report.databases.map((g) => `${describeTarget(g.target)} (${g.modules.join(', ')})`).join('; ')}.`,
      );
    for (const p of online.plan.problems)
      output.line(`problem [${p.kind}] ${p.message}${online.plan.blocking.includes(p) ? '' : ' (allowed)'}`);
    output.line(
      `Database checked: ${plural(online.plan.problems.length, 'problem')}, ${plural(online.plan.pendingCount, 'pending migration')}.`,
    );
  } else if (online.unreachable) {
    output.line(`Database not reached: ${online.reason}`);
  } else {
    output.line('Database not checked (--offline): drift, missing, dirty and out-of-order were not looked for.');
  }
  const verdict = verdictOf(report);
  output.line(verdict.line);
  const exitCode = verdict.exitCode;
  output.document('validate', exitCode, {
    database: databaseJson(report.project.config.database),
    databases: databasesJson(report.databases),
    fileProblems: report.fileProblems,
    markerWarnings: report.markerWarnings,
    lint: lintJson(lint),
    online: online.checked
      ? { checked: true, problems: online.plan.problems, pendingCount: online.plan.pendingCount }
      : { checked: false, reason: online.reason, unreachable: online.unreachable !== undefined },
  });
  return exitCode;
}

/**
 * The last line, always: "Valid." or what makes the project not valid, with the exit code that goes
 * with it (the most severe of them: exit 4 before 2 before 5, as everywhere).
 */
function verdictOf(report: ValidateReport): { readonly line: string; readonly exitCode: number } {
  const { online, lint, fileProblems } = report;
  const blocking = online.checked ? online.plan.blocking : [];
  const reasons: [string, number][] = [];
  if (fileProblems.length > 0) reasons.push([plural(fileProblems.length, 'file problem'), EXIT_CODES.usage]);
  if (blocking.length > 0) {
    const kinds = [...new Set(blocking.map((p) => p.kind))].join(', ');
    const problems = `${plural(blocking.length, 'database problem')} (${kinds}) that migrate would refuse`;
    reasons.push([problems, EXIT_CODES.validation]);
  }
  if (lint.errors > 0) reasons.push([plural(lint.errors, 'lint error'), EXIT_CODES.validation]);
  if (!online.checked && online.unreachable) {
    const unreached = 'the database was not reached (check the URL, or pass --offline to check the files only)';
    reasons.push([unreached, EXIT_CODES.unreachable]);
  }
  if (reasons.length === 0) return { line: 'Valid.', exitCode: EXIT_CODES.ok };
  const line = `Not valid: ${reasons.map(([reason]) => reason).join('; ')}.`;
  return { line, exitCode: mostSevereExitCode(reasons.map(([, code]) => code)) };
}

/** The count after the marker warnings (comments that look like another tool's instructions). */
function markerTotal(count: number): string {
  return `${plural(count, 'marker warning')}: comments modkit does not act on.`;
}
