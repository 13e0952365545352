import type { DbSession } from '../db/session.js';

/**
 * Runs `work` in one plain transaction on the session's connection: committed when it returns,
 * rolled back when it throws. For writes that must land all or nothing (baseline, repair).
 */
export async function inTransaction<T>(session: DbSession, work: () => Promise<T>): Promise<T> {
  const { connection, dialect } = session;
  await connection.execScript(dialect.beginSql);
  try {
    const result = await work();
    await connection.execScript('COMMIT');
    return result;
  } catch (error) {
    await connection.execScript('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
