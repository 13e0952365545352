import type { ExecuteEvent, LintEventFinding, MigrationResult } from '../execute/types.js';
import type { LifecycleEvent, ReloadReport, RuntimeState } from '../lifecycle/types.js';
import { formatMs, listPending, type Output, plural } from './output.js';
import { trackActivity } from './exit-guard.js';
import { progressReporter } from './progress.js';
import { warningTotals } from './lint-lines.js';

/** What `modkit run` collects for its `--json` document while it prints the phase log. */
export interface LifecycleLog {
  readonly migrations: MigrationResult[];
  readonly states: { state: RuntimeState; module?: string; reason?: string; at: string }[];
  readonly hooks: { module: string; phase: string; status: string; durationMs: number; error?: string }[];
  readonly restarts: { module: string; attempt: number; delayMs: number; error?: string }[];
  readonly reloads: ReloadReport[];
  /** The health server's URL, once it listens. */
  health: string | null;
}

/**
 * Turns pipeline events into the phase log of `modkit run`: one line per migration, per hook,
 * per state change of the runtime and per module stopped, and the modules' own `ctx.log` lines
 * as `name: message`. Under `--json` these lines go to stderr and the facts into `log`. `suffix`
 * names a module's database on its `[db]` lines when the run spans several.
 */
export function lifecycleReporter(
  output: Output,
  suffix: (module: string) => string = () => '',
  instanceId?: string,
): { log: LifecycleLog; onEvent: (e: ExecuteEvent) => void; onLifecycleEvent: (e: LifecycleEvent) => void } {
  const log: LifecycleLog = { migrations: [], states: [], hooks: [], restarts: [], reloads: [], health: null };
  /** Each module's last health answer, so that only changes are printed. */
  const healthy = new Map<string, boolean>();
  let waitedForSchema = false;
  const progress = progressReporter(output);
  // The warnings the db phase printed, counted at its end (they scroll away on a first deploy).
  const lint: LintEventFinding[] = [];
  let otherWarnings = 0;
  const onEvent = (event: ExecuteEvent) => {
    progress(event);
    if (event.type === 'lint') lint.push(...event.findings);
    if (event.type === 'warning') otherWarnings++;
    if (event.type !== 'migration-done') return;
    output.clearProgress();
    log.migrations.push(event.result);
    output.line(
      `[db] ${event.result.module} ${event.result.id} (${formatMs(event.result.durationMs)})${suffix(event.result.module)}`,
    );
  };
  const onLifecycleEvent = (event: LifecycleEvent) => {
    trackActivity(event);
    switch (event.type) {
      case 'state': {
        const { type: _type, ...state } = event;
        log.states.push(state);
        if (!event.module) output.line(runtimeStateLine(event.state, event.reason, instanceId));
        else if (event.state === 'stopped' && isStopping(log, event.module))
          output.line(`[stop] ${event.module} stopped${stopDuration(log, event.module)}`);
        break;
      }
      case 'phase':
        // A db phase that did not complete (a preInit failed, a refusal) has no summary to give.
        if (event.phase === 'db' && event.status === 'end' && !event.aborted && !waitedForSchema) {
          const applied = log.migrations.filter((m) => m.status === 'applied');
          const modules = new Set(applied.map((m) => m.module)).size;
          output.line(
            applied.length === 0
              ? `[db] nothing to migrate (${formatMs(event.durationMs ?? 0)})`
              : `[db] applied ${plural(applied.length, 'migration')} in ${plural(modules, 'module')} (${formatMs(event.durationMs ?? 0)})`,
          );
          const totals = warningTotals(lint, otherWarnings);
          if (totals) output.line(`[db] ${totals}`);
        }
        break;
      case 'hook': {
        const { type: _type, ...hook } = event;
        log.hooks.push(hook);
        const line = `[${event.phase}] ${event.module} ${event.status === 'ok' ? 'ok' : event.status.toUpperCase()} (${formatMs(event.durationMs)})${event.error ? `: ${event.error}` : ''}`;
        // A stop that went well is printed once, by the module's `stopped` transition.
        if (event.status !== 'ok') output.warn(line);
        else if (event.phase !== 'stop') output.line(line);
        break;
      }
      case 'task-restart': {
        const { type: _type, ...restart } = event;
        log.restarts.push(restart);
        const ended = event.error === undefined ? 'ended' : `failed (${event.error})`;
        output.warn(`[run] ${event.module} ${ended}; restart ${event.attempt} in ${formatMs(event.delayMs)}`);
        break;
      }
      case 'process':
        reportProcess(output, event);
        break;
      case 'process-event':
        output.debug(`[process] ${event.module} (pid ${event.pid}) event ${JSON.stringify(event.event)}`);
        break;
      case 'health-server':
        log.health = event.url;
        output.line(`[modkit] health on ${event.url} (/livez, /readyz, /status)`);
        break;
      case 'health':
        // Only changes: a probe every few seconds must not fill the log.
        if (healthy.get(event.module) !== event.ok) {
          if (!event.ok) output.warn(`[health] ${event.module} unhealthy${event.detail ? `: ${event.detail}` : ''}`);
          else if (healthy.has(event.module)) output.line(`[health] ${event.module} healthy again`);
        }
        healthy.set(event.module, event.ok);
        break;
      case 'drain':
        output.line(`[modkit] /readyz answers 503; modules stop in ${formatMs(event.ms)} (drainMs)`);
        break;
      case 'reload':
        log.reloads.push(event.report);
        reportReload(output, event.report);
        break;
      case 'schema-wait': {
        waitedForSchema = true;
        const { pending, waitedMs } = event;
        const count = plural(pending.length, 'migration');
        const waited = formatMs(waitedMs);
        if (pending.length === 0) output.line(`[db] schema ready: every migration is applied (waited ${waited})`);
        else output.line(`[db] waiting for another run to apply ${count}: ${listPending(pending)}`);
        break;
      }
      case 'log':
        if (event.level === 'info') output.line(`${event.module}: ${event.message}`);
        else output.warn(`${event.module}: ${event.message}`);
        break;
    }
  };
  return { log, onEvent, onLifecycleEvent };
}

/** A child's transitions: `[process] worker ready (pid 4242)`; failures and restarts are warnings. */
function reportProcess(output: Output, event: Extract<LifecycleEvent, { type: 'process' }>): void {
  const pid = event.pid === undefined ? '' : `pid ${event.pid}`;
  const code = event.exitCode !== undefined ? `exit code ${event.exitCode}` : '';
  const exit = event.signal ? `signal ${event.signal}` : code;
  const about = [pid, exit, event.killed ? 'after SIGKILL' : ''].filter((part) => part !== '').join(', ');
  const line = `[process] ${event.module} ${event.state}${about ? ` (${about})` : ''}`;
  switch (event.state) {
    case 'restarting':
      output.warn(`${line}: ${event.reason}; restart ${event.attempt} in ${formatMs(event.delayMs ?? 0)}`);
      break;
    case 'failed':
      output.warn(line); // why: the [spawn] line before it, or the run's error paragraph
      break;
    case 'ready':
      break; // the [spawn] line says it, with how long it took
    case 'exited':
    case 'stopped':
      if (event.killed) output.warn(line);
      else output.line(line);
      break;
    default:
      output.line(line);
  }
}

/** Only stop-phase transitions print `[stop] name stopped`; startup's `running` per module is in the JSON only. */
function isStopping(log: LifecycleLog, module: string): boolean {
  return log.states.some((s) => s.module === module && s.state === 'draining');
}

function stopDuration(log: LifecycleLog, module: string): string {
  const hook = log.hooks.findLast((h) => h.module === module && h.phase === 'stop');
  return hook ? ` (${formatMs(hook.durationMs)})` : '';
}

/** What one SIGHUP did, in a line or two (per-module outcomes were printed as `[reload]` hook lines). */
function reportReload(output: Output, report: ReloadReport): void {
  switch (report.outcome) {
    case 'skipped':
    case 'config-error':
      output.warn(`[reload] SIGHUP: ${report.error}`);
      return;
    case 'no-hooks':
      output.line('[reload] SIGHUP: config read again; no running module defines reload(ctx), so nothing changed');
      break;
    default: {
      const ok = report.modules.filter((m) => m.status === 'ok').length;
      const line = `[reload] SIGHUP: ${ok} of ${plural(report.modules.length, 'module')} reloaded`;
      const kept = report.modules.length - ok;
      if (kept === 0) output.line(line);
      else output.warn(`${line}; ${kept} kept ${kept === 1 ? 'its' : 'their'} old config`);
    }
  }
  if (report.needsRestart.length === 0) return;
  output.warn(`[reload] changed settings that take effect only after a restart: ${report.needsRestart.join(', ')}`);
}

function runtimeStateLine(state: RuntimeState, reason: string | undefined, instanceId: string | undefined): string {
  switch (state) {
    case 'starting':
      return instanceId ? `[modkit] starting (instance ${instanceId})` : '[modkit] starting';
    case 'running':
      return '[modkit] running; stop with SIGINT (Ctrl+C) or SIGTERM, reload the config with SIGHUP';
    case 'draining':
      return `[modkit] draining (${reason === 'shutdown signal' ? 'shutdown signal' : 'after a failure'})`;
    default:
      return `[modkit] ${state}`;
  }
}
