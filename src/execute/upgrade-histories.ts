import type { Session } from '../db/session.js';
import type { ModuleHistory } from '../plan/types.js';
import { historySetupError } from './migration-error.js';
import type { EventSink } from './types.js';

/**
 * Brings the history tables of `modules` to the current shape, once, under the lock the caller
 * holds: tables the Rust runtime created gain modkit's columns, modkit 0.1.0's unix-seconds
 * `applied_at` becomes the Rust runtime's type (every value kept). Each upgrade is reported.
 */
export async function upgradeHistories(session: Session, histories: Iterable<ModuleHistory>, onEvent?: EventSink): Promise<void> {
  for (const history of histories) {
    try {
      const upgrade = await session.upgradeHistory(history);
      if (upgrade) onEvent?.({ type: 'history-upgraded', module: history.module, ...upgrade });
    } catch (error) {
      throw historySetupError(error, history.module, session.target.url);
    }
  }
}
