/**
 * The statement runner: a SQL body statement by statement, each its own call, so that a failure
 * names its line; and what a failed statement becomes (the body's error, a lock timeout with who
 * held the lock), with the step's lock-timeout retries.
 */
import type { EngineDriver } from '../driver.js';
import { BodyError, LockTimeoutError, type StepContext } from '../session.js';
import type { SqlStatement } from '../split-sql.js';

export interface RunStatementsOptions {
  /** The step: its lock timeout (who blocks is watched) and its retry policy. Without it: no retry. */
  readonly context?: StepContext;
  /** The body already split, when the caller needed its statements too. */
  readonly statements?: readonly SqlStatement[];
  /**
   * The server rolls back the whole transaction on a lock timeout (MySQL's
   * `innodb_rollback_on_timeout`) and the body runs in one: what came before is gone, so the
   * failure is the body's as it is, never retried.
   */
  readonly lockTimeoutEndsTransaction?: boolean;
}

/**
 * Runs `sql` one statement at a time. With a context, a statement that hit the lock timeout is
 * tried again by itself (outside a transaction, or where the server undoes only that statement) —
 * never the statements already done.
 */
export async function runStatements(
  driver: EngineDriver,
  sql: string,
  options: RunStatementsOptions = {},
): Promise<void> {
  const { context } = options;
  const statements = options.statements ?? driver.splitStatements(sql);
  for (const [index, statement] of statements.entries()) {
    for (let attempt = 1; ; attempt += 1) {
      const watch = context?.timeouts?.lockMs ? driver.watchBlockers(context.timeouts.lockMs) : undefined;
      try {
        await driver.runner.exec(statement.text);
        watch?.stop();
        break;
      } catch (error) {
        const blockers = watch?.stop() ?? [];
        if (!driver.isStatementError(error)) throw error;
        const inner = driver.errorLine(error, statement);
        const line = inner ? statement.line + inner - 1 : statement.line;
        const failure =
          options.lockTimeoutEndsTransaction && driver.isLockTimeout(error)
            ? new BodyError(error, line)
            : bodyError(driver, error, line, blockers, context);
        failure.statementIndex = index;
        if (!context || !(await retryAfterLockTimeout(failure, attempt, context))) throw failure;
      }
    }
  }
}

/** A failed statement as the body's error: a lock timeout says who held the lock, and for how long it waited. */
export function bodyError(
  driver: EngineDriver,
  error: unknown,
  line: number | undefined,
  blockers: readonly string[],
  context?: StepContext,
): BodyError {
  if (!driver.isLockTimeout(error)) return new BodyError(error, line);
  return new LockTimeoutError(error, line, blockers, driver.lockTimeoutMsOf(context?.timeouts?.lockMs ?? 0));
}

/** True when a lock timeout is to be tried again (the step's policy says so, after its wait). */
export async function retryAfterLockTimeout(error: unknown, attempt: number, context: StepContext): Promise<boolean> {
  if (error instanceof LockTimeoutError) error.attempts = attempt;
  return (
    error instanceof LockTimeoutError &&
    context.onLockTimeout !== undefined &&
    (await context.onLockTimeout(error, attempt))
  );
}
