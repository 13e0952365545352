import type { EventSink } from '../execute/types.js';
import type { Output } from './output.js';

/**
 * Turns execution events into output: on a TTY a single overwritten line
 * (`[37/120] billing 0004_backfill`); elsewhere only the lock messages, so CI logs stay clean.
 */
export function progressReporter(output: Output): EventSink {
  return (event) => {
    switch (event.type) {
      case 'lock-wait':
        output.line(`Waiting for the migration lock${event.database ? ` on ${event.database}` : ''}${event.holder ? `, held by ${event.holder}` : ''}…`);
        break;
      case 'lock-acquired':
        output.line(`Lock${event.database ? ` on ${event.database}` : ''} acquired after ${event.waitedMs} ms`);
        break;
      case 'warning':
        output.warn(event.message);
        break;
      case 'migration-start':
        output.progress(`[${event.index}/${event.total}] ${event.module} ${event.id}`);
        break;
      default:
        break;
    }
  };
}
