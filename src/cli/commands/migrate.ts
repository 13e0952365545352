import { groupByDatabase } from '../../config/database-groups.js';
import { needsNoDatabase, runPipeline } from '../../lifecycle/run-pipeline.js';
import { loadProject, selectModules } from '../../project/load-project.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import type { ExecuteEvent, LintEventFinding, TxMode } from '../../execute/types.js';
import { allowOptions, projectOptions, type CommonFlags } from '../common-options.js';
import {
  acrossDatabases,
  databaseJson,
  databasesJson,
  databaseSuffix,
  describeDatabases,
  errorJson,
  formatMs,
  moduleDatabaseUrls,
  type Output,
  plural,
} from '../output.js';
import { NO_DATABASE_LINE } from '../output.js';
import type { HandlerResult } from '../program.js';
import { trackActivity } from '../exit-guard.js';
import { migrationLines } from '../migration-lines.js';
import { progressReporter } from '../progress.js';
import { loadFleet, type FleetFlags } from '../fleet-options.js';
import { heldBackJson, heldBackLines, parseStopAt, TO_NEEDS_ONLY } from '../to-option.js';
import { pendingLintCounts, warningTotals } from '../lint-lines.js';

export interface MigrateFlags extends CommonFlags, FleetFlags {
  readonly only?: boolean;
  readonly txMode?: TxMode;
  readonly concurrency?: number;
  /** `--no-lint` sets it false. */
  readonly lint?: boolean;
  /** `--to ID` / `--to MODULE=ID` (repeatable): stop those modules after that migration. */
  readonly to?: string[];
  /** `--dry-run`: do what `modkit plan` does with the same flags. */
  readonly dryRun?: boolean;
  /** With `--dry-run`: print the SQL, as `plan --sql`. */
  readonly sql?: boolean;
}

/** Said once the db phase of a bare `modkit migrate` succeeded, before the application starts. */
export const FULL_MODE_HANDOFF =
  '[modkit] migrated; `modkit migrate` without --only now runs the application until SIGINT/SIGTERM, as `modkit run` does ' +
  '(to migrate and exit, use `modkit migrate --only`)';

/** `modkit migrate --only`: pre_init + db, then exit (the CI/CD pre-deploy step). */
export async function migrateOnly(
  flags: MigrateFlags,
  output: Output,
  signal: AbortSignal,
): Promise<number | HandlerResult> {
  // --dry-run is `plan` under the name other tools give it: same flags, same output, same exit code.
  if (flags.dryRun) return (await import('./inspect.js')).planCommand(flags, output, signal);
  if (flags.sql)
    throw new UsageError('--sql prints the SQL of a dry run: use it with --dry-run (or `modkit plan --sql`)');
  const to = parseStopAt(flags.to, flags.module);
  if (to && !flags.only) throw new UsageError(TO_NEEDS_ONLY);
  // Without --only, migrate is the full pipeline (SPEC §4), exactly as `modkit run`.
  if (!flags.only)
    return (await import('./run.js')).runFullPipeline(flags, output, signal, 'migrate', FULL_MODE_HANDOFF);
  const options = projectOptions(flags);
  const { config, targets } = await loadFleet(flags);
  if (targets)
    return (await import('./fleet.js')).migrateFleetCommand(
      flags,
      output,
      signal,
      await loadProject({ ...options, config }),
      targets,
      to,
    );
  const project = await loadProject({ ...options, config });
  // Which databases the selected modules live in is known before anything connects.
  const selected = selectModules(project, options.modules);
  const groups = groupByDatabase(
    project.config,
    selected.map((m) => m.name),
  );
  const noDatabase = needsNoDatabase(project, selected);
  output.line(noDatabase ? NO_DATABASE_LINE : describeDatabases(project.config.database, groups));
  const progress = progressReporter(output);
  const lines = migrationLines(output, selected, databaseSuffix(groups));
  const retries: Extract<ExecuteEvent, { type: 'lock-retry' }>[] = [];
  const lint: LintEventFinding[] = [];
  let otherWarnings = 0;
  // The one pipeline of SPEC §5, in the mode that stops after the db phase.
  const { migration: report } = await runPipeline(project, {
    ...options,
    mode: 'migrate-only',
    allow: allowOptions(flags),
    ...(to ? { to } : {}),
    ...(flags.txMode ? { txMode: flags.txMode } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.lint === false ? { lint: false } : {}),
    signal,
    onEvent: (event) => {
      if (event.type === 'lock-retry') retries.push(event);
      if (event.type === 'lint') lint.push(...event.findings);
      if (event.type === 'warning') otherWarnings++;
      progress(event);
      lines.onEvent(event);
    },
    onLifecycleEvent: trackActivity, // pre_init hooks, so that an exit inside one is named
  });
  const { result } = report;
  lines.finish(result.results);
  const applied = result.results.filter((r) => r.status === 'applied');
  const modules = new Set(applied.map((r) => r.module)).size;
  const exitCode = result.error ? result.error.exitCode : EXIT_CODES.ok;
  if (applied.length === 0 && !result.error) {
    // With --to holding migrations back, "up to date" would be false: the --to line below says where each stopped.
    const upTo = to && result.plan?.modules.some((m) => m.heldBack) ? 'up to --to' : 'up to date';
    output.line(
      `Nothing to migrate: ${plural(report.modules.length, 'module')}${acrossDatabases(report.databases)} ${upTo} (${formatMs(result.durationMs)})`,
    );
  } else {
    const touched = report.databases.filter((g) => applied.some((r) => g.modules.includes(r.module)));
    output.line(
      `Applied ${plural(applied.length, 'migration')} in ${plural(modules, 'module')}${acrossDatabases(touched)} (${formatMs(result.durationMs)})`,
    );
  }
  if (to && result.plan) for (const line of heldBackLines(result.plan, to)) output.line(line);
  // Hundreds of warning lines scroll away on a first deploy: the run ends with their counts.
  const totals = warningTotals(lint, otherWarnings);
  if (totals) output.line(totals);
  const urls = moduleDatabaseUrls(report.databases);
  output.document('migrate', exitCode, {
    mode: 'migrate-only',
    database: databaseJson(report.database),
    databases: databasesJson(report.databases),
    modules: report.modules,
    migrations: result.results.map((r) => ({ ...r, database: urls.get(r.module) })),
    summary: { applied: applied.length, modules, durationMs: result.durationMs, lockWaitedMs: result.lockWaitedMs },
    problems: result.plan?.problems ?? [],
    ...(to ? { to, heldBack: heldBackJson(result.plan) } : {}),
    retries: retries.map(({ type: _type, ...retry }) => retry),
    lint,
    lintSummary: lintSummaryJson(lint),
    error: result.error ? errorJson(result.error) : null,
  });
  if (result.error) output.error(result.error);
  return exitCode;
}

/** `lint[]`'s counts (ignored findings are not in `lint[]`, so no `ignored` count). */
function lintSummaryJson(lint: readonly LintEventFinding[]): {
  errors: number;
  warnings: number;
  infos: number;
  byRule: object;
} {
  const { errors, warnings, infos, byRule } = pendingLintCounts(lint);
  return { errors, warnings, infos, byRule };
}
