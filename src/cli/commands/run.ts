import { EXIT_CODES } from '../../errors.js';
import { resolveInstanceId } from '../../lifecycle/instance-id.js';
import { needsNoDatabase, runPipeline } from '../../lifecycle/run-pipeline.js';
import type { RuntimeControl } from '../../lifecycle/types.js';
import { groupByDatabase } from '../../config/database-groups.js';
import { loadConfig } from '../../config/load-config.js';
import { loadProject, selectModules } from '../../project/load-project.js';
import { allowOptions, projectOptions } from '../common-options.js';
import { exitBackstop } from '../exit-backstop.js';
import { envFileVariables } from '../env-files.js';
import { lifecycleReporter } from '../lifecycle-reporter.js';
import { databaseJson, databasesJson, databaseSuffix, describeDatabases, errorJson } from '../output.js';
import { moduleDatabaseUrls, NO_DATABASE_LINE, type Output } from '../output.js';
import type { HandlerResult } from '../program.js';
import type { MigrateFlags } from './migrate.js';
import type { ResolvedConfig } from '../../config/types.js';
import { UsageError } from '../../errors.js';

/** The flags of the full mode (`run`, and `migrate` without `--only`). */
export interface RunFlags extends MigrateFlags {
  /** `--health-port N` (0: a free port). */
  readonly healthPort?: number;
  /** `--drain DURATION`. */
  readonly drain?: number;
  readonly instanceId?: string;
  /** `--no-migrate` sets it false. */
  readonly migrate?: boolean;
  /** `--wait-timeout DURATION` (with --no-migrate). */
  readonly waitTimeout?: number;
}

/**
 * `run` starts one application on one database; a fleet is a migrate-time thing. Refused before
 * anything runs, with the two ways forward.
 */
function refuseFleet(flags: MigrateFlags, config: ResolvedConfig, command: string): void {
  const fleet =
    flags.targets !== undefined
      ? '--targets'
      : config.targets !== undefined && config.database.source !== 'flag' && config.database.source !== 'env'
        ? 'the config\'s "targets"'
        : undefined;
  if (!fleet) return;
  const what = command === 'run' ? '`modkit run`' : '`modkit migrate` without --only';
  throw new UsageError(
    `${what} runs the application against one database, but ${fleet} names a fleet: migrate the fleet with \`modkit migrate --only\` ` +
      '(the deploy step), then start the application; or pass --url to run against one database',
  );
}

/**
 * `modkit run` (and `modkit migrate` without `--only`): the full pipeline. The first signal is
 * this command's normal way to end, so a graceful stop exits 0 rather than 130.
 */
export function runCommand(flags: RunFlags, output: Output, signal: AbortSignal): Promise<HandlerResult> {
  return runFullPipeline(flags, output, signal, 'run');
}

/**
 * The full pipeline, reported under `command` (`run`, or `migrate` without `--only`). `handoff` is
 * printed once the db phase succeeded, just before the lifecycle starts. SIGHUP reloads while it runs.
 */
export async function runFullPipeline(
  flags: RunFlags,
  output: Output,
  signal: AbortSignal,
  command: string,
  handoff?: string,
): Promise<HandlerResult> {
  let runtime: RuntimeControl | undefined;
  const onHangUp = () => {
    if (runtime) void runtime.reload();
    else output.warn('SIGHUP ignored: the project is still loading');
  };
  process.on('SIGHUP', onHangUp);
  try {
    return await runWith(flags, output, signal, command, handoff, (r) => (runtime = r));
  } finally {
    process.off('SIGHUP', onHangUp);
  }
}

async function runWith(
  flags: RunFlags,
  output: Output,
  signal: AbortSignal,
  command: string,
  handoff: string | undefined,
  onRuntime: (runtime: RuntimeControl) => void,
): Promise<HandlerResult> {
  let control: RuntimeControl | undefined;
  const options = projectOptions(flags);
  const project = await loadProject(options);
  refuseFleet(flags, project.config, command);
  const instanceId = resolveInstanceId(flags.instanceId);
  const selected = selectModules(project, options.modules);
  const groups = groupByDatabase(
    project.config,
    selected.map((m) => m.name),
  );
  const noDatabase = needsNoDatabase(project, selected);
  output.line(noDatabase ? NO_DATABASE_LINE : describeDatabases(project.config.database, groups));
  const reporter = lifecycleReporter(output, databaseSuffix(groups), instanceId);
  // Holds the process to the bounds the lifecycle announces, even if a hook blocks the event loop.
  const backstop = exitBackstop();
  let dbEnded = false;
  // --health-port replaces the config's port only; its host stays.
  const host = project.config.lifecycle.health ? { host: project.config.lifecycle.health.host } : {};
  const health = flags.healthPort !== undefined ? { port: flags.healthPort, ...host } : undefined;
  const report = await runPipeline(project, {
    ...options,
    mode: 'full',
    instanceId,
    allow: allowOptions(flags),
    ...(flags.txMode ? { txMode: flags.txMode } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.lint === false ? { lint: false } : {}),
    ...(flags.migrate === false ? { migrate: false } : {}),
    ...(flags.waitTimeout !== undefined ? { schemaTimeoutMs: flags.waitTimeout } : {}),
    ...(health ? { health } : {}),
    ...(flags.drain !== undefined ? { drainMs: flags.drain } : {}),
    // SIGHUP reads the config as this run did: same file, same flags.
    reloadConfig: () => loadConfig({ ...options, configPath: project.config.configFile, fresh: true }),
    onRuntime: (runtime) => {
      control = runtime;
      onRuntime(runtime);
    },
    envFileVariables: envFileVariables(),
    signal,
    onEvent: reporter.onEvent,
    onLifecycleEvent: (event) => {
      // The first event after the db phase is the lifecycle's, unless the db phase failed.
      if (handoff && dbEnded && !(event.type === 'state' && event.state === 'failed' && !event.module))
        output.line(handoff);
      if (dbEnded) handoff = undefined;
      if (event.type === 'phase' && event.phase === 'db' && event.status === 'end') dbEnded = true;
      if (event.type === 'deadline')
        backstop.arm(
          event.ms,
          event.phase === 'stop' ? 'the stop phase' : `the ${event.phase} phase after the shutdown signal`,
        );
      reporter.onLifecycleEvent(event);
    },
  }).finally(() => backstop.disarm());
  const { lifecycle, migration } = report;
  const exitCode = report.error ? report.error.exitCode : EXIT_CODES.ok;
  output.document(command, exitCode, {
    mode: 'full',
    instanceId,
    health: reporter.log.health,
    database: databaseJson(migration.database),
    databases: databasesJson(migration.databases),
    modules: migration.modules,
    migrations: migration.result.results.map((r) => ({
      ...r,
      database: moduleDatabaseUrls(migration.databases).get(r.module),
    })),
    problems: migration.result.plan?.problems ?? [],
    lifecycle: lifecycle
      ? {
          outcome: lifecycle.outcome,
          started: lifecycle.started,
          stopped: lifecycle.stopped,
          stopProblems: lifecycle.stopProblems,
          durationMs: lifecycle.durationMs,
        }
      : null,
    states: reporter.log.states,
    hooks: reporter.log.hooks,
    restarts: reporter.log.restarts,
    reloads: reporter.log.reloads,
    // Out-of-process modules' children: pid, state, restarts, exits, events (as /status shows them).
    processes: Object.fromEntries(
      (control?.status().modules ?? []).flatMap((m) => (m.process ? [[m.name, m.process]] : [])),
    ),
    error: report.error ? errorJson(report.error) : null,
  });
  if (report.error) output.error(report.error);
  return { exitCode, signalHandled: lifecycle !== undefined };
}
