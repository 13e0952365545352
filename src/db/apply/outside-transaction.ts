import { stopwatch } from '../../util/stopwatch.js';
import { bookkeeping, type MigrationStep, type StepContext } from '../session.js';
import { appliedMark, startedMark } from './marks.js';
import { runScript } from './script-migration.js';
import type { WorkingConnection } from './working-connection.js';

/**
 * A no-transaction migration: recorded as started first (so a crash leaves the module dirty),
 * then its statements one by one (a lock timeout retries the one statement), then recorded as
 * applied. Commits of earlier migrations are made durable before it starts, since nothing of it
 * can be rolled back.
 */
export async function applyOutsideTransaction(
  conn: WorkingConnection,
  step: MigrationStep,
  context: StepContext,
): Promise<void> {
  const { driver } = conn;
  const { dialect, runner } = driver;
  const elapsed = stopwatch();
  await conn.flush();
  await conn.clean();
  const started = startedMark(dialect, step, context.runId);
  await bookkeeping(step.table, 'mark-started', () => runner.query(started.sql, started.params));
  const timeouts = context.timeouts ? await driver.timeoutStatements(context.timeouts, 'session') : [];
  for (const statement of timeouts) await runner.exec(statement);
  try {
    const { body } = step;
    if (body.format === 'sql') await conn.runStatements(body.sql, { context });
    else await runScript(body, (await conn.scripts()).plain(), context);
  } finally {
    if (timeouts.length > 0) await driver.resetTimeouts().catch(() => undefined);
  }
  driver.hygiene.ran(step);
  await conn.clean(); // the mark below is modkit's own: not as a role the body set
  const applied = appliedMark(dialect, step, elapsed());
  await bookkeeping(step.table, step.direction === 'up' ? 'mark-applied' : 'delete', () =>
    runner.query(applied.sql, applied.params),
  );
}
