import type { ExecuteEvent, LintEventFinding, MigrationResult } from '../execute/types.js';
import type { LifecycleEvent, RuntimeState } from '../lifecycle/types.js';
import { INSTANCE_ID } from '../lifecycle/pre-init.js';
import { formatMs, type Output, plural } from './output.js';
import { trackActivity } from './exit-guard.js';
import { progressReporter } from './progress.js';
import { warningTotals } from './lint-lines.js';

/** What `modkit run` collects for its `--json` document while it prints the phase log. */
export interface LifecycleLog {
  readonly migrations: MigrationResult[];
  readonly states: { state: RuntimeState; module?: string; reason?: string; at: string }[];
  readonly hooks: { module: string; phase: string; status: string; durationMs: number; error?: string }[];
  readonly restarts: { module: string; attempt: number; delayMs: number; error: string }[];
}

/**
 * Turns pipeline events into the phase log of `modkit run`: one line per migration, per hook,
 * per state change of the runtime and per module stopped, and the modules' own `ctx.log` lines
 * as `name: message`. Under `--json` these lines go to stderr and the facts into `log`. `suffix`
 * names a module's database on its `[db]` lines when the run spans several.
 */
export function lifecycleReporter(output: Output, suffix: (module: string) => string = () => ''): { log: LifecycleLog; onEvent: (e: ExecuteEvent) => void; onLifecycleEvent: (e: LifecycleEvent) => void } {
  const log: LifecycleLog = { migrations: [], states: [], hooks: [], restarts: [] };
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
    output.line(`[db] ${event.result.module} ${event.result.id} (${formatMs(event.result.durationMs)})${suffix(event.result.module)}`);
  };
  const onLifecycleEvent = (event: LifecycleEvent) => {
    trackActivity(event);
    switch (event.type) {
      case 'state': {
        const { type: _type, ...state } = event;
        log.states.push(state);
        if (!event.module) output.line(runtimeStateLine(event.state, event.reason));
        else if (event.state === 'stopped' && isStopping(log, event.module)) output.line(`[stop] ${event.module} stopped${stopDuration(log, event.module)}`);
        break;
      }
      case 'phase':
        if (event.phase === 'db' && event.status === 'end') {
          const applied = log.migrations.filter((m) => m.status === 'applied');
          const modules = new Set(applied.map((m) => m.module)).size;
          output.line(applied.length === 0 ? `[db] nothing to migrate (${formatMs(event.durationMs ?? 0)})` : `[db] applied ${plural(applied.length, 'migration')} in ${plural(modules, 'module')} (${formatMs(event.durationMs ?? 0)})`);
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
        output.warn(`[run] ${event.module} failed (${event.error}); restart ${event.attempt} in ${formatMs(event.delayMs)}`);
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

/** Only stop-phase transitions print `[stop] name stopped`; startup's `running` per module is in the JSON only. */
function isStopping(log: LifecycleLog, module: string): boolean {
  return log.states.some((s) => s.module === module && s.state === 'draining');
}

function stopDuration(log: LifecycleLog, module: string): string {
  const hook = log.hooks.findLast((h) => h.module === module && h.phase === 'stop');
  return hook ? ` (${formatMs(hook.durationMs)})` : '';
}

function runtimeStateLine(state: RuntimeState, reason: string | undefined): string {
  switch (state) {
    case 'starting':
      return `[modkit] starting (instance ${INSTANCE_ID})`;
    case 'running':
      return '[modkit] running; stop with SIGINT (Ctrl+C) or SIGTERM';
    case 'draining':
      return `[modkit] draining (${reason === 'shutdown signal' ? 'shutdown signal' : 'after a failure'})`;
    default:
      return `[modkit] ${state}`;
  }
}
