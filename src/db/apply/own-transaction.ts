import type { MigrationStep, StepContext } from '../session.js';
import type { WaitingCommits } from './working-connection.js';

/**
 * How an engine applies a transactional migration in a transaction of its own, with its history
 * write, and commits: the part where the engines differ most. Each engine chooses one — one round
 * trip with asynchronous commits (PostgreSQL), a savepoint in a grouped commit (SQLite), marks that
 * ride with the transaction statements (MariaDB/MySQL) — built on the shared pieces of this folder.
 */
export interface OwnTransaction extends WaitingCommits {
  /** Runs the step (SQL or script) and records it. Returns the duration in ms. */
  apply(step: MigrationStep, context: StepContext): Promise<number>;
  /** Commits what this connection still holds open, so that others see it (durability is `flush`'s). */
  settle(): Promise<void>;
  /** Creates a history table outside any run-wide transaction (committed as this strategy commits). */
  createHistory(table: string): Promise<void>;
}
