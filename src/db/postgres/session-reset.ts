/**
 * The session of a PostgreSQL working connection between migrations (issue 19 §3): every migration
 * starts from the state a new connection of its target has, as psql gives each file, and modkit's
 * own statements never run with what a migration set. PostgreSQL does not say what a statement
 * changed, so after any migration the reset rides on modkit's next round trip.
 */
export class SessionReset {
  /** User code ran since the last reset: the session may carry its settings. */
  private pending = false;

  /** `searchPath`: the target's own (a fleet's schema), which RESET ALL would replace with the server's default. */
  constructor(private readonly searchPath: string | undefined) {}

  /** User code ran (or a reset sent with a failed message was rolled back with it). */
  note(): void {
    this.pending = true;
  }

  /**
   * The reset as the prefix of modkit's next round trip, if one is due: part of the transaction
   * that follows it (`inTransaction`), or a transaction of its own (`COMMIT`), so that a
   * `SET TRANSACTION` at the start of the next body still comes before that transaction's first query.
   */
  take(inTransaction = false): string {
    if (!this.pending) return '';
    this.pending = false;
    return `${this.statements()}; ${inTransaction ? '' : 'COMMIT; '}`;
  }

  /**
   * `RESET ALL` alone keeps a `SET ROLE` (and a session authorization): it leaves them alone.
   * `DISCARD ALL` would drop modkit's own advisory locks (the work barrier) and cannot run inside a
   * transaction. Temporary tables and prepared statements go too, as with a new connection. A few
   * microseconds of the server's time.
   */
  private statements(): string {
    const path = this.searchPath ? `; SET search_path TO ${this.searchPath}` : '';
    return `SET SESSION AUTHORIZATION DEFAULT; RESET ALL${path}; DISCARD TEMP; DEALLOCATE ALL`;
  }
}
