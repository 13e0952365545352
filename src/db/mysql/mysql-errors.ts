/** What MariaDB/MySQL errors say: whose fault, which line, whether everything was rolled back. */

/** ER_LOCK_DEADLOCK: the server chose this transaction as a deadlock's victim and rolled all of it back. */
const DEADLOCK = 1213;
/** ER_LOCK_WAIT_TIMEOUT: a row lock (innodb_lock_wait_timeout) or metadata lock (lock_wait_timeout) wait gave up. */
const LOCK_WAIT_TIMEOUT = 1205;
/** The server's `… at line N` at the end of a syntax error's message. */
const AT_LINE = /at line (\d+)\s*$/;

/** The server's own errors carry an errno and an SQLSTATE; a lost connection is `fatal`. */
export function isServerError(error: unknown): boolean {
  const e = error as { errno?: unknown; sqlState?: unknown; fatal?: boolean };
  return typeof e?.errno === 'number' && typeof e.sqlState === 'string' && e.fatal !== true;
}

export function isLockWaitTimeout(error: unknown): boolean {
  return (error as { errno?: number })?.errno === LOCK_WAIT_TIMEOUT;
}

/**
 * True for an error after which the server has rolled back the whole transaction by itself, not
 * only the statement: a deadlock's victim, or a lock timeout with `innodb_rollback_on_timeout`.
 */
export function rollsBackEverything(error: unknown, rollbackOnTimeout: boolean): boolean {
  const errno = (error as { errno?: number })?.errno;
  return errno === DEADLOCK || (errno === LOCK_WAIT_TIMEOUT && rollbackOnTimeout);
}

/** The line the server names (`… at line N`, of the statement sent), for syntax errors. */
export function serverErrorLine(error: unknown): number | undefined {
  const match = AT_LINE.exec(String((error as Error)?.message ?? ''));
  return match ? Number(match[1]) : undefined;
}

/**
 * The server's `at line N` counts from the statement, modkit's line from the file: the message
 * says both, so that they never seem to disagree (`at line 6 of the statement that starts at
 * line 5 (line 10 of the file)`).
 */
export function placeServerErrorLine(error: unknown, inner: number, statementLine: number): void {
  if (statementLine === 1 || !(error instanceof Error)) return;
  const place = `at line ${inner} of the statement that starts at line ${statementLine} (line ${statementLine + inner - 1} of the file)`;
  error.message = error.message.replace(AT_LINE, place);
}
