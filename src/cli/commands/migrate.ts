import { runPipeline } from '../../lifecycle/run-pipeline.js';
import { loadProject, selectModules } from '../../project/load-project.js';
import { EXIT_CODES } from '../../errors.js';
import type { TxMode } from '../../execute/types.js';
import { allowOptions, projectOptions, type CommonFlags } from '../common-options.js';
import { databaseJson, describeDatabase, errorJson, formatMs, type Output, plural } from '../output.js';
import type { HandlerResult } from '../program.js';
import { migrationLines } from '../migration-lines.js';
import { progressReporter } from '../progress.js';

export interface MigrateFlags extends CommonFlags {
  readonly only?: boolean;
  readonly txMode?: TxMode;
  readonly concurrency?: number;
}

/** `modkit migrate --only`: pre_init + db, then exit (the CI/CD pre-deploy step). */
export async function migrateOnly(flags: MigrateFlags, output: Output, signal: AbortSignal): Promise<number | HandlerResult> {
  // Without --only, migrate is the full pipeline (SPEC §4), exactly as `modkit run`.
  if (!flags.only) return (await import('./run.js')).runFullPipeline(flags, output, signal, 'migrate');
  const options = projectOptions(flags);
  const project = await loadProject(options);
  output.line(describeDatabase(project.config.database));
  const progress = progressReporter(output);
  const lines = migrationLines(output, selectModules(project, flags.module));
  // The one pipeline of SPEC §5, in the mode that stops after the db phase.
  const { migration: report } = await runPipeline(project, {
    ...options,
    mode: 'migrate-only',
    allow: allowOptions(flags),
    ...(flags.txMode ? { txMode: flags.txMode } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    signal,
    onEvent: (event) => {
      progress(event);
      lines.onEvent(event);
    },
  });
  const { result } = report;
  lines.finish(result.results);
  const applied = result.results.filter((r) => r.status === 'applied');
  const modules = new Set(applied.map((r) => r.module)).size;
  const exitCode = result.error ? result.error.exitCode : EXIT_CODES.ok;
  if (applied.length === 0 && !result.error) output.line(`Nothing to migrate: ${plural(report.modules.length, 'module')} up to date (${formatMs(result.durationMs)})`);
  else output.line(`Applied ${plural(applied.length, 'migration')} in ${plural(modules, 'module')} (${formatMs(result.durationMs)})`);
  output.document('migrate', exitCode, {
    mode: 'migrate-only',
    database: databaseJson(report.database),
    modules: report.modules,
    migrations: result.results,
    summary: { applied: applied.length, modules, durationMs: result.durationMs, lockWaitedMs: result.lockWaitedMs },
    problems: result.plan?.problems ?? [],
    error: result.error ? errorJson(result.error) : null,
  });
  if (result.error) output.error(result.error);
  return exitCode;
}
