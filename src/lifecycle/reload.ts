import type { ResolvedConfig } from '../config/types.js';
import { messageOf } from '../errors.js';
import { stopwatch } from '../util/stopwatch.js';
import { awaitStartupHook } from './await-startup-hook.js';
import { overLimitMessage } from './hook-error.js';
import { hookLimitMs, hookLimitSource } from './hook-limits.js';
import type { ModuleHandle } from './module-context.js';
import type { Runtime } from './runtime.js';
import type { ReloadReport, ReloadResult } from './types.js';

/**
 * One SIGHUP (as the seed's registry reload: fail-soft). Reads the config again (a fresh import:
 * an ES module config is cached otherwise) and calls `reload(ctx)` of every running module that has
 * one, system-first, with the new `modulesConfig.<name>` as `ctx.config`, each bounded by its time
 * limit. A module whose reload returned runs on the new config from then on; one whose reload threw
 * or overran keeps the old one, and the others go on. A config that no longer loads changes nothing.
 * Only `modulesConfig` is reloaded: other changed settings are listed as needing a restart. Never
 * throws; the report is emitted (`reload` event) and returned.
 */
export async function reloadModules(runtime: Runtime): Promise<ReloadReport> {
  const at = new Date().toISOString();
  const report = (fields: Omit<ReloadReport, 'at'>): ReloadReport => {
    const done = { at, ...fields };
    runtime.emit({ type: 'reload', report: done });
    return done;
  };
  const state = runtime.model.runtimeState;
  if (state !== 'running') {
    const error = `the application is ${state}: SIGHUP reloads only while it runs`;
    return report({ outcome: 'skipped', modules: [], needsRestart: [], error });
  }
  let config: ResolvedConfig;
  try {
    config = await runtime.reloadConfig();
  } catch (error) {
    const problem = `the config no longer loads, nothing changed: ${messageOf(error)}`;
    return report({ outcome: 'config-error', modules: [], needsRestart: [], error: problem });
  }
  const needsRestart = changedSettings(runtime.project.config, config);
  const targets = runtime.running().filter((h) => h.module.definition.reload);
  const modules: ReloadResult[] = [];
  for (const handle of targets) {
    if (runtime.model.runtimeState !== 'running') break; // shutdown began: leave the rest as they are
    modules.push(await reloadOne(runtime, handle, config.modulesConfig[handle.module.name]));
  }
  const allOk = modules.length === targets.length && modules.every((m) => m.status === 'ok');
  const outcome = targets.length === 0 ? 'no-hooks' : allOk ? 'reloaded' : 'partial';
  return report({ outcome, modules, needsRestart });
}

async function reloadOne(runtime: Runtime, handle: ModuleHandle, config: unknown): Promise<ReloadResult> {
  const { module } = handle;
  const limitMs = hookLimitMs(runtime.project.config, module, 'reload');
  runtime.emit({ type: 'hook-start', module: module.name, phase: 'reload' });
  const elapsed = stopwatch();
  const call = () => module.definition.reload!.call(module.definition, handle.reloadContext(config));
  const deadlineMs = hookLimitMs(runtime.project.config, module, 'stop');
  const outcome = await awaitStartupHook(call, runtime.signal, { deadlineMs, limitMs });
  const durationMs = elapsed();
  if (outcome.status === 'ok') handle.config = config;
  const failure = (status: 'failed' | 'timed-out', why: string) => ({
    status,
    error: `${why}; it keeps its old config`,
  });
  const ended =
    outcome.status === 'ok'
      ? { status: 'ok' as const }
      : outcome.status === 'failed'
        ? failure('failed', messageOf(outcome.error))
        : outcome.status === 'over-limit'
          ? failure('timed-out', overLimitMessage(limitMs, hookLimitSource(module, 'reload')))
          : failure('failed', 'the application shut down while it reloaded');
  const result: ReloadResult = { module: module.name, durationMs, ...ended };
  runtime.emit({ type: 'hook', module: module.name, phase: 'reload', durationMs, ...ended });
  return result;
}

/** The settings a reload cannot apply, as the config spells them, in the order below. */
const RESTART_ONLY: readonly (readonly [keyof ResolvedConfig, string])[] = [
  ['moduleGlobs', 'modules'],
  ['database', 'database'],
  ['runtimeUrl', 'runtime.url'],
  ['moduleDatabases', 'modulesConfig.<name>.database'],
  ['lockTimeoutMs', 'lockTimeoutMs'],
  ['dbTimeouts', 'dbLockTimeoutMs / dbLockRetries / statementTimeoutMs'],
  ['shutdownDeadlineMs', 'shutdownDeadlineMs'],
  ['lifecycle', 'health / drainMs / hookTimeoutMs / healthTimeoutMs'],
  ['lint', 'lint'],
];

/** Which restart-only settings differ between the config the run started with and the new one. */
function changedSettings(before: ResolvedConfig, after: ResolvedConfig): string[] {
  const changed = RESTART_ONLY.filter(([key]) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  return changed.map(([, label]) => label);
}
