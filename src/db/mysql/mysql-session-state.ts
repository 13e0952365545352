import { sessionSetup, type MysqlConnection } from './mysql-connection.js';
import { takeWorkSlot } from './mysql-lock.js';

/**
 * The session of a MariaDB/MySQL working connection between migrations (issue 19 §3): every
 * migration starts from the session a new connection (and the `mariadb` client) gives it. The
 * server says in its OK packets when a statement changed the session — a variable, the default
 * database (`USE`), a role, a user variable, a temporary table (session tracking, set up on
 * connect) — and only then, before the next migration, the session is reset: COM_RESET_CONNECTION,
 * then modkit's setup, its database and its work slot again. Two round trips after such a
 * migration, none otherwise. Also the step timeouts in force, set only when they change.
 */
export class MysqlSessionState {
  /** The last migration changed the session (or may have: a script's statements go through knex, unseen). */
  private resetPending = false;
  /** The session timeouts now in force (the SET statement sent), '' for the server's defaults. */
  private timeoutsInForce = '';

  constructor(
    private readonly connection: MysqlConnection,
    private readonly database: string,
  ) {}

  /** Runs body statements, noting whether they changed the session. */
  async watch(work: () => Promise<void>): Promise<void> {
    const before = this.connection.stateChanges;
    try {
      await work();
    } finally {
      if (this.connection.stateChanges !== before) this.resetPending = true;
    }
  }

  /** Code the session cannot watch ran (a script): reset before the next migration. */
  suspect(): void {
    this.resetPending = true;
  }

  /** Resets the session if the last migration changed it; `beforeReset` commits what waits (a reset rolls back). */
  async clean(beforeReset: () => Promise<void>): Promise<void> {
    if (!this.resetPending) return;
    await beforeReset();
    const { sql, params } = takeWorkSlot(this.database);
    await this.connection.reset(sessionSetup(this.database, this.connection.format(sql, params)));
    this.timeoutsInForce = '';
    this.resetPending = false;
  }

  /**
   * Sets the step's timeouts, only when they differ from those in force (no round trip per
   * migration); `reset` puts back the server's.
   */
  async useTimeouts(statements: readonly string[], reset: string): Promise<void> {
    const wanted = statements.join('; ');
    if (wanted === this.timeoutsInForce) return;
    if (wanted === '') await this.connection.exec(reset);
    else for (const statement of statements) await this.connection.exec(statement);
    this.timeoutsInForce = wanted;
  }

  /** The timeouts were put back to the server's defaults. */
  timeoutsReset(): void {
    this.timeoutsInForce = '';
  }
}
