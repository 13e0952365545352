import type { ModuleHistory } from '../plan/types.js';
import type { DatabaseSessions } from './locked-session.js';
import { historySetupError } from './history-errors.js';
import type { EventSink } from './types.js';

/**
 * Brings the history tables of `modules` to the current shape, once, under the locks the caller
 * holds, each in its module's database: tables the Rust runtime created gain modkit's columns, modkit 0.1.0's unix-seconds
 * `applied_at` becomes the Rust runtime's type (every value kept). Each upgrade is reported.
 */
export async function upgradeHistories(
  sessions: DatabaseSessions,
  histories: Iterable<ModuleHistory>,
  onEvent?: EventSink,
): Promise<void> {
  for (const history of histories) {
    const session = sessions.of(history.module);
    try {
      const upgrade = await session.upgradeHistory(history);
      if (upgrade) onEvent?.({ type: 'history-upgraded', module: history.module, ...upgrade });
    } catch (error) {
      throw historySetupError(error, history.module, session.target.url);
    }
  }
}
