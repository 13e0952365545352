import type { DatabaseTarget } from '../config/types.js';
import type { DbConnection, Dialect } from './dialects/types.js';
import { loadDialect } from './load-dialect.js';

/** The privileged connection and what it is connected to (opened by withLockedSession). */
export interface DbSession {
  readonly target: DatabaseTarget;
  readonly dialect: Dialect;
  readonly connection: DbConnection;
}

/**
 * Opens a read-only connection for plan/status/validate; undefined when the database does not
 * exist yet (a SQLite file nobody migrated), which reads as "nothing applied".
 */
export async function openReadOnlySession(target: DatabaseTarget): Promise<DbSession | undefined> {
  const dialect = await loadDialect(target.engine);
  const connection = await dialect.connect(target, { readOnly: true });
  return connection ? { target, dialect, connection } : undefined;
}
