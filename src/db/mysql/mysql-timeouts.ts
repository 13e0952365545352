import type { StepTimeouts } from '../driver.js';
import type { ServerFlavour } from './mysql-connection.js';

/**
 * `dbLockTimeoutMs` → `lock_wait_timeout` (metadata locks: the ALTER that waits for a reader) and
 * `innodb_lock_wait_timeout` (row locks), whole seconds, at least 1. `statementTimeoutMs` →
 * MariaDB `max_statement_time` (seconds, fractional, any statement) or MySQL
 * `max_execution_time` (ms, read-only SELECTs only: MySQL has nothing for DDL or writes).
 */
export function mysqlTimeoutStatements(timeouts: StepTimeouts, flavour: ServerFlavour | undefined): string[] {
  const settings: string[] = [];
  if (timeouts.lockMs > 0) {
    const seconds = serverLockTimeoutMs(timeouts.lockMs) / 1000;
    settings.push(`lock_wait_timeout = ${seconds}`, `innodb_lock_wait_timeout = ${seconds}`);
  }
  if (timeouts.statementMs > 0) {
    settings.push(
      flavour === 'mariadb'
        ? `max_statement_time = ${timeouts.statementMs / 1000}`
        : `max_execution_time = ${Math.round(timeouts.statementMs)}`,
    );
  }
  return settings.length > 0 ? [`SET SESSION ${settings.join(', ')}`] : [];
}

/** Puts every timeout {@link mysqlTimeoutStatements} may set back to the server's default. */
export function mysqlTimeoutReset(flavour: ServerFlavour | undefined): string {
  const statementTimeout =
    flavour === 'mariadb' ? 'max_statement_time' : flavour === 'mysql' ? 'max_execution_time' : undefined;
  const names = ['lock_wait_timeout', 'innodb_lock_wait_timeout', ...(statementTimeout ? [statementTimeout] : [])];
  return `SET SESSION ${names.map((n) => `${n} = DEFAULT`).join(', ')}`;
}

/**
 * The lock timeout the server really applies for `ms` (0 = none): whole seconds, at least 1, so
 * that messages say how long a statement did wait (300 ms is a 1 s wait).
 */
export function serverLockTimeoutMs(ms: number): number {
  return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) * 1000 : 0;
}
