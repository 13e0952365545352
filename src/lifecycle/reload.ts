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
    return report({ outcome: 'skipped', modules: [], needsRestart: [], error: `the application is ${state}: SIGHUP reloads only while it runs` });
  }
  let config: ResolvedConfig;
  try {
    config = await runtime.reloadConfig();
  } catch (error) {
    return report({ outcome: 'config-error', modules: [], needsRestart: [], error: `the config no longer loads, nothing changed: ${messageOf(error)}` });
  }
  const needsRestart = changedSettings(runtime.project.config, config);
  const targets = runtime.running().filter((h) => h.module.definition.reload);
  const modules: ReloadResult[] = [];
  for (const handle of targets) {
    if (runtime.model.runtimeState !== 'running') break; // shutdown began: leave the rest as they are
    modules.push(await reloadOne(runtime, handle, config.modulesConfig[handle.module.name]));
  }
  const outcome = targets.length === 0 ? 'no-hooks' : modules.length === targets.length && modules.every((m) => m.status === 'ok') ? 'reloaded' : 'partial';
  return report({ outcome, modules, needsRestart });
}

async function reloadOne(runtime: Runtime, handle: ModuleHandle, config: unknown): Promise<ReloadResult> {
  const { module } = handle;
  const limitMs = hookLimitMs(runtime.project.config, module, 'reload');
  runtime.emit({ type: 'hook-start', module: module.name, phase: 'reload' });
  const elapsed = stopwatch();
  const outcome = await awaitStartupHook(() => module.definition.reload!.call(module.definition, handle.reloadContext(config)), runtime.signal, {
    deadlineMs: hookLimitMs(runtime.project.config, module, 'stop'),
    limitMs,
  });
  const durationMs = elapsed();
  let result: ReloadResult;
  if (outcome.status === 'ok') {
    handle.config = config;
    result = { module: module.name, status: 'ok', durationMs };
  } else if (outcome.status === 'failed') {
    result = { module: module.name, status: 'failed', durationMs, error: `${messageOf(outcome.error)}; it keeps its old config` };
  } else if (outcome.status === 'over-limit') {
    result = { module: module.name, status: 'timed-out', durationMs, error: `${overLimitMessage(limitMs, hookLimitSource(module, 'reload'))}; it keeps its old config` };
  } else {
    result = { module: module.name, status: 'failed', durationMs, error: 'the application shut down while it reloaded; it keeps its old config' };
  }
  runtime.emit({ type: 'hook', module: module.name, phase: 'reload', status: result.status, durationMs, ...(result.error ? { error: result.error } : {}) });
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
  return RESTART_ONLY.filter(([key]) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map(([, label]) => label);
}
