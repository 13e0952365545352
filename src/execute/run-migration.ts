import { stopwatch } from '../util/stopwatch.js';
import type { DbSession } from '../db/session.js';
import { deleteRecord, insertRecord, insertRecordSql, markApplied, markStarted, STATE_STARTED } from '../db/history-table.js';
import { transactionsOf } from './transactions-of.js';
import { knexFor } from '../db/knex-bridge.js';
import { splitSqlStatements } from '../db/split-sql.js';
import { ModkitError } from '../errors.js';
import type { Migration } from '../modules/types.js';
import { loadBody, type Direction, type MigrationBody } from './load-body.js';
import { migrationFailedError } from './migration-error.js';

export interface RunMigrationOptions {
  /** True under `--tx-mode all`: the caller owns the one transaction around the whole phase. */
  readonly insideOuterTransaction: boolean;
  /** Aborting abandons a running script migration at once, so its transaction rolls back. */
  readonly signal?: AbortSignal;
}

/**
 * Runs one migration in one direction and records it in the same transaction: up inserts its
 * history row, down deletes it. A no-transaction migration is recorded as started first and
 * as done after, so a crash in between leaves its module dirty. Returns the duration in ms.
 */
export async function runMigration(
  session: DbSession,
  table: string,
  migration: Migration,
  direction: Direction,
  options: RunMigrationOptions,
): Promise<number> {
  const body = await loadBody(migration, direction);
  if (!body) {
    throw new ModkitError('usage', `migration ${migration.module}/${migration.id} has no ${direction} to run`, {
      details: { module: migration.module, id: migration.id },
    });
  }
  const { connection, dialect } = session;
  const elapsed = stopwatch();
  const record = async (durationMs: number) => {
    if (direction === 'down') await deleteRecord(connection, table, migration.id);
    else if (body.transactional) await insertRecord(connection, table, { version: migration.id, checksum: migration.checksum, durationMs });
    else await markApplied(connection, table, migration.id, durationMs);
  };

  if (!body.transactional) {
    if (options.insideOuterTransaction) {
      throw new ModkitError('usage', `migration ${migration.module}/${migration.id} cannot run inside --tx-mode all: it is marked no-transaction`);
    }
    // Whatever earlier migrations committed must be durable before this one runs outside a transaction.
    await transactionsOf(session).flush();
    if (direction === 'up') await insertRecord(connection, table, { version: migration.id, checksum: migration.checksum, durationMs: 0 }, STATE_STARTED);
    else await markStarted(connection, table, migration.id);
    await runBody(session, migration, direction, body, options.signal);
    const durationMs = elapsed();
    await record(durationMs);
    return durationMs;
  }

  if (options.insideOuterTransaction) {
    await runBody(session, migration, direction, body, options.signal);
    const durationMs = elapsed();
    await record(durationMs);
    return durationMs;
  }
  const transactions = transactionsOf(session);
  if (direction === 'up' && body.format === 'sql' && transactions.wrapScript && dialect.scriptElapsedMsSql) {
    // One round trip for begin, body, history row and commit: per-migration round trips are
    // what a thousand small migrations cost over a network.
    const recordSql = insertRecordSql(table, migration.id, migration.checksum, dialect.scriptElapsedMsSql);
    const script = transactions.wrapScript(body.sql, recordSql);
    try {
      await connection.execScript(script);
      return elapsed();
    } catch (error) {
      await connection.execScript('ROLLBACK').catch(() => undefined);
      // The error position counts from the start of the wrapped script, whose lines are the body's.
      const line = dialect.errorLine?.(error, script);
      throw failure(session, migration, direction, body, error, line !== undefined && line <= lineCount(body.sql) ? line : undefined);
    }
  }
  await transactions.begin();
  try {
    await runBody(session, migration, direction, body, options.signal);
    const durationMs = elapsed();
    await record(durationMs);
    await transactions.commit();
    return durationMs;
  } catch (error) {
    await transactions.rollback().catch((lost: unknown) => {
      throw lost instanceof ModkitError ? new ModkitError(lost.kind, `${(error as Error).message} ${lost.message}`, { cause: error }) : error;
    });
    throw error;
  }
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n += 1;
  return n;
}

function failure(session: DbSession, migration: Migration, direction: Direction, body: MigrationBody, error: unknown, line?: number): ModkitError {
  return migrationFailedError({
    migration,
    direction,
    ...(body.file ? { file: body.file } : {}),
    ...(line ? { line } : {}),
    transactional: body.transactional,
    url: session.target.url,
    error,
  });
}

/** Runs the body; a failure becomes the one-paragraph migration error (with the line, when known). */
async function runBody(session: DbSession, migration: Migration, direction: Direction, body: MigrationBody, signal?: AbortSignal): Promise<void> {
  const { connection, dialect } = session;
  const fail = (error: unknown, line?: number) => failure(session, migration, direction, body, error, line);
  if (body.format === 'script') {
    try {
      // A script may wait on timers or I/O that no database cancel reaches: stop waiting for it.
      // Inside a transaction it gets a Knex.Transaction (a savepoint in ours): once abandoned or
      // failed, knex completes it, so a still-running script cannot write outside our transaction.
      if (body.transactional) {
        const knex = await knexFor(dialect, connection, 'nested');
        await knex.transaction((trx) => untilAborted(Promise.resolve(body.run(trx)), signal));
      } else {
        await untilAborted(Promise.resolve(body.run(await knexFor(dialect, connection, 'plain'))), signal);
      }
    } catch (error) {
      throw fail(error);
    }
    return;
  }
  if (body.transactional && dialect.errorLine) {
    // One round trip for the whole file: the engine's multi-statement call runs every statement,
    // and the error position it reports maps back to a line of the file.
    try {
      await connection.execScript(body.sql);
    } catch (error) {
      throw fail(error, dialect.errorLine(error, body.sql));
    }
    return;
  }
  // Statement by statement: outside a transaction each must be its own call (CREATE INDEX
  // CONCURRENTLY), and on an engine that reports no error position (SQLite) it tells the line.
  for (const statement of splitSqlStatements(body.sql)) {
    try {
      await connection.execScript(statement.text);
    } catch (error) {
      const inner = dialect.errorLine?.(error, statement.text);
      throw fail(error, inner ? statement.line + inner - 1 : statement.line);
    }
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('cancelled by a signal'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
