import { DEFAULT_WAIT_TIMEOUT_MS, waitForMigrations } from '../../api/wait.js';
import { EXIT_CODES } from '../../errors.js';
import { schemaWaitError } from '../../execute/wait-for-schema.js';
import { projectOptions, type CommonFlags } from '../common-options.js';
import { groupByDatabase } from '../../config/database-groups.js';
import { loadProject, selectModules } from '../../project/load-project.js';
import { databaseJson, databasesJson, describeDatabases, errorJson, formatMs, listPending, plural } from '../output.js';
import type { Output } from '../output.js';

export interface WaitFlags extends CommonFlags {
  /** `--timeout DURATION`, in ms. */
  readonly timeout?: number;
}

/**
 * `modkit wait [--timeout 60s]`: exit 0 once every migration of the selected modules is applied;
 * exit 4 at the timeout listing what is pending (at once when a module is dirty and no run holds the
 * lock); exit 5 when the database could not be reached by then. Writes nothing.
 */
export async function waitCommand(flags: WaitFlags, output: Output, signal: AbortSignal): Promise<number> {
  const timeoutMs = flags.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  let said = '';
  const say = (line: string, warn = false) => {
    if (line === said) return;
    said = line;
    if (warn) output.warn(line);
    else output.line(line);
  };
  const options = projectOptions(flags);
  const project = await loadProject(options);
  const names = selectModules(project, options.modules).map((m) => m.name);
  output.line(describeDatabases(project.config.database, groupByDatabase(project.config, names)));
  const wait = await waitForMigrations({
    ...options,
    project,
    timeoutMs,
    signal,
    onLook: ({ pending, error }) => {
      const count = plural(pending.length, 'migration');
      const again = `trying again for up to ${formatMs(timeoutMs)}`;
      if (error) say(`cannot reach the database yet (${error.message}); ${again}`, true);
      else if (pending.length > 0) say(`waiting for ${count} to be applied: ${listPending(pending)}`);
    },
  });
  const error = schemaWaitError(wait);
  const exitCode = error ? error.exitCode : EXIT_CODES.ok;
  if (!error) {
    const modules = wait.plan?.modules.length ?? 0;
    const waited = formatMs(wait.waitedMs);
    output.line(`Schema ready: every migration of ${plural(modules, 'module')} is applied (waited ${waited})`);
  }
  output.document('wait', exitCode, {
    outcome: wait.outcome,
    database: databaseJson(wait.database),
    databases: databasesJson(wait.databases),
    pending: wait.pending,
    problems: wait.plan?.problems ?? [],
    waitedMs: wait.waitedMs,
    attempts: wait.attempts,
    error: error ? errorJson(error) : null,
  });
  if (error) output.error(error);
  return exitCode;
}
