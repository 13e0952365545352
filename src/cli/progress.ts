import type { EventSink, ExecuteEvent, LintEventFinding } from '../execute/types.js';
import { trackActivity } from './exit-guard.js';
import { displayPath, type Output } from './output.js';

/**
 * Turns execution events into output: on a TTY a single overwritten line
 * (`[37/120] billing 0004_backfill`); elsewhere only the lock messages, so CI logs stay clean.
 */
export function progressReporter(output: Output): EventSink {
  return (event) => {
    trackActivity(event);
    switch (event.type) {
      case 'lock-wait':
        output.line(
          `Waiting for the migration lock${event.database ? ` on ${event.database}` : ''}${event.holder ? `, held by ${event.holder}` : ''}…`,
        );
        break;
      case 'lock-acquired':
        output.line(`Lock${event.database ? ` on ${event.database}` : ''} acquired after ${event.waitedMs} ms`);
        break;
      case 'warning':
        output.warn(event.message);
        break;
      case 'lock-retry':
        output.clearProgress();
        output.warn(describeLockRetry(event));
        break;
      case 'lint':
        output.clearProgress();
        // When the run is refused, its error paragraph lists the errors: only warnings here.
        // Infos (what modkit could not look into) are counted at the end; `modkit lint` shows them.
        for (const f of event.findings)
          if (f.severity === 'warn' || (f.severity === 'error' && !event.refused)) output.warn(describeLintFinding(f));
        break;
      case 'history-upgraded':
        output.clearProgress();
        output.line(describeUpgrade(event));
        break;
      case 'migration-start':
        output.progress(`[${event.index}/${event.total}] ${event.module} ${event.id}`);
        break;
      default:
        break;
    }
  };
}

/** `lint: billing/0002_status (modules/billing/migrations/0002_status.sql:2) [add-column-not-null] …` */
export function describeLintFinding(f: LintEventFinding): string {
  const where = f.file ? `${displayPath(f.file)}:${f.line}` : `inline, line ${f.line}`;
  return `lint: ${f.module}/${f.id} (${where}) [${f.rule}${f.severity === 'error' ? ', error' : ''}] ${f.message}`;
}

/** One line per history table brought up to date (once: the next run finds nothing to do). */
export function describeUpgrade(event: Extract<ExecuteEvent, { type: 'history-upgraded' }>): string {
  const changes = [
    ...(event.addedColumns.length > 0 ? [`added ${event.addedColumns.join(', ')}`] : []),
    ...(event.appliedAtConverted
      ? ["applied_at converted from unix seconds (modkit 0.1.0) to the Rust runtime's type, every value kept"]
      : []),
  ];
  return `Upgraded the history table of module "${event.module}" (${event.table}): ${changes.join('; ')}`;
}

/** One line per retry after a lock timeout: what, which try, when again, and who held the lock. */
export function describeLockRetry(event: Extract<ExecuteEvent, { type: 'lock-retry' }>): string {
  const held = event.blockers.length > 0 ? `; the lock was held by ${event.blockers.join('; ')}` : '';
  return `${event.module}/${event.id} could not get a lock within ${event.lockTimeoutMs} ms (try ${event.attempt} of ${event.tries}); rolled back, trying again in ${event.delayMs} ms${held}`;
}
