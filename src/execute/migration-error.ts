import {
  BodyError,
  CommitUnconfirmedError,
  HistoryError,
  LockTimeoutError,
  TransactionEndedError,
} from '../db/session.js';
import { ModkitError } from '../errors.js';
import type { Direction, MigrationBody } from '../modules/load-body.js';
import type { Migration } from '../modules/types.js';
import { databaseWords, dirtyAdvice, durationWords, withCode } from './error-words.js';
import { historyFailedError } from './history-errors.js';

/** The step that failed, as the error paragraph names it. */
export interface FailedStep {
  readonly migration: Migration;
  readonly direction: Direction;
  readonly body: MigrationBody;
  readonly table: string;
  /** The database URL, so that its password can be scrubbed from the database's message. */
  readonly url: string;
  /** The engine rolls DDL back with its transaction (false: DDL commits at once, MariaDB/MySQL). */
  readonly transactionalDdl: boolean;
}

/**
 * The one paragraph of a failed step: what failed, where, the database's own words, what to do
 * next and what the next run will do. A failure of modkit's own bookkeeping says so and never
 * blames the migration.
 */
export function stepFailedError(failed: FailedStep, error: unknown): ModkitError {
  if (error instanceof ModkitError) return error;
  // The session found out what the failure left behind (implicit commits): say that, not what the file declared.
  const step =
    error instanceof BodyError && error.leftDirty !== undefined
      ? { ...failed, body: { ...failed.body, transactional: !error.leftDirty } }
      : failed;
  if (error instanceof TransactionEndedError) return transactionEndedError(failed, error);
  if (error instanceof HistoryError) return historyFailedError(step, error);
  if (error instanceof LockTimeoutError) return lockTimeoutError(step, error);
  if (error instanceof BodyError) return migrationFailedError(step, error);
  return interruptedStepError(step, error);
}

/** Neither the migration nor the bookkeeping: the connection or the server gave out under it. */
function interruptedStepError(step: FailedStep, error: unknown): ModkitError {
  const { migration, body } = step;
  const { message, code } = databaseWords(error, step.url);
  // One transaction holds the body (its DDL too) and the history row: both committed, or neither.
  const atomic = body.transactional && step.transactionalDdl;
  const whatStays = body.transactional
    ? 'modkit did not see its transaction commit, and DDL commits at once on this database: what ran before a DDL statement may stay'
    : 'It ran outside a transaction, so part of it may be applied';
  const aftermath = atomic
    ? // The connection may have gone after the server ran the COMMIT: modkit cannot know which.
      'modkit did not see its transaction commit; its history row is in the same transaction, so the database ' +
      'holds both or neither. Run migrate again once the database answers: it re-reads the history and resumes ' +
      'where the database stands.'
    : `${whatStays}, and module "${migration.module}" is then dirty. Once the database answers, \`modkit status\` ` +
      'tells: a clean module resumes with migrate; a dirty one needs `modkit repair` first (docs/verification.md).';
  return new ModkitError(
    'migration-failed',
    `The run stopped during ${migration.module}/${migration.id}: ${withCode(message, code)}. ${aftermath}`,
    {
      cause: error,
      details: {
        module: migration.module,
        id: migration.id,
        direction: step.direction,
        transactional: body.transactional,
        databaseMessage: message,
        ...(code ? { databaseCode: code } : {}),
      },
    },
  );
}

function migrationFailedError(step: FailedStep, error: BodyError): ModkitError {
  const { cause, line } = error;
  const { migration, direction, body } = step;
  const module = migration.module;
  const { message, code } = databaseWords(cause, step.url);
  const text = withCode(message, code);
  const file = body.file ?? (direction === 'up' ? migration.file : migration.downFile);
  const where = file ? ` (${file}${line ? `, line ${line}` : ''})` : '';
  const what =
    direction === 'up' ? `Migration ${module}/${migration.id}` : `Rollback of migration ${module}/${migration.id}`;
  let next: string;
  if (!body.transactional) {
    next = `It ran outside a transaction, so the statements before the failing one stay applied, and module "${module}" is now dirty: migrate and rollback refuse it until you check the database and then run ${dirtyAdvice(module, direction)}.`;
  } else if (error.needsNoTransaction) {
    next =
      "It was rolled back. This statement cannot run inside a transaction: put `-- modkit:no-transaction` in the file's leading comments " +
      '(or `export const transaction = false` in a script), then run migrate again: it resumes from this migration.';
  } else if (direction === 'up') {
    next =
      'It was rolled back and nothing after it ran. Fix the migration and run migrate again: it resumes from this migration.';
  } else {
    next = `It was rolled back, so ${migration.id} is still applied and nothing after it ran. Fix the down migration and run rollback again.`;
  }
  return new ModkitError('migration-failed', `${what}${where} failed: ${text}. ${next}`, {
    cause,
    details: {
      module,
      id: migration.id,
      direction,
      transactional: body.transactional,
      ...(file ? { file } : {}),
      ...(line ? { line } : {}),
      databaseMessage: message,
      ...(code ? { databaseCode: code } : {}),
    },
  });
}

/**
 * The body ended the transaction modkit ran it in (issue 19 §1): what may be committed, the dirty
 * module and the one way out, and the earlier migrations of the same open transaction it took along.
 */
function transactionEndedError(step: FailedStep, error: TransactionEndedError): ModkitError {
  const { migration, direction, body } = step;
  const { module, id } = migration;
  const file = body.file ?? (direction === 'up' ? migration.file : migration.downFile);
  const what = `${direction === 'up' ? 'Migration' : 'Rollback of migration'} ${module}/${id}${file ? ` (${file})` : ''}`;
  const script = body.format === 'script';
  const how = script
    ? "a COMMIT, ROLLBACK or BEGIN its script sent, such as db.raw('COMMIT')"
    : 'a COMMIT, ROLLBACK or BEGIN in its body';
  const inner = error.cause instanceof BodyError ? error.cause.cause : error.cause;
  const { message, code } = databaseWords(inner, step.url);
  const failed = error.bodyFailed ? `, and then failed: ${withCode(message, code)}` : '';
  const state = error.recorded
    ? `modkit recorded it as started, so module "${module}" is now dirty: migrate and rollback refuse it until you ` +
      `check the database and then run ${dirtyAdvice(module, direction)}.`
    : `modkit could not record it as started (${databaseWords(error.markError, step.url).message}), so nothing marks ` +
      `module "${module}" as dirty: check the database before the next migrate, which would run it again.`;
  const taken = error.lost.map((l) => `${l.module}/${l.id}`).join(', ');
  const lost = taken
    ? ` It took along ${taken}, applied before it in this run in the same open transaction: their work and history ` +
      'rows are gone, and the next migrate applies them again.'
    : '';
  const marker = script ? 'export const transaction = false' : '-- modkit:no-transaction as its first line';
  return new ModkitError(
    'migration-failed',
    `${what} ended the transaction modkit ran it in (${how})${failed}, as modkit found when it checked that ` +
      `transaction after the body. Some or all of its work may be committed without its history row; ${state}${lost} ` +
      `To control transactions yourself, mark the migration no-transaction (${marker}).`,
    {
      cause: inner,
      details: {
        module,
        id,
        direction,
        transactional: true,
        transactionEnded: true,
        ...(file ? { file } : {}),
        dirty: error.recorded,
        lost: error.lost,
        ...(error.bodyFailed ? { databaseMessage: message, ...(code ? { databaseCode: code } : {}) } : {}),
      },
    },
  );
}

/** The migration could not get a lock within the lock timeout, on every try. */
function lockTimeoutError(step: FailedStep, error: LockTimeoutError): ModkitError {
  const { migration, direction, body } = step;
  const { message, code } = databaseWords(error.cause, step.url);
  const file = body.file ?? migration.file;
  const where = file ? ` (${file}${error.line ? `, line ${error.line}` : ''})` : '';
  const held = error.blockers.length > 0 ? ` The lock was held by ${error.blockers.join('; ')}.` : '';
  const longer = 'raise dbLockTimeoutMs (or --db-lock-timeout), or put `-- modkit:lock-timeout 30s` in the file';
  // One instruction, the one that works: a dirty module is refused until repaired, whatever the table does.
  const next = body.transactional
    ? `It was rolled back${error.attempts > 1 ? ' each time' : ''} and nothing after it ran. ` +
      'Waiting longer would have kept every query on that ' +
      `table waiting behind it. Run it again when the table is quieter or once the holder is gone; to wait longer, ${longer}.`
    : 'It ran outside a transaction: the statements before this one stay applied, and module ' +
      `"${migration.module}" is now dirty: migrate and rollback refuse it until you check the database and then run ` +
      `${dirtyAdvice(migration.module, direction)}. (To let the statement wait longer for its lock next time, ${longer}.)`;
  const timeout = durationWords(error.lockTimeoutMs);
  return new ModkitError(
    'migration-failed',
    `${direction === 'up' ? 'Migration' : 'Rollback of migration'} ${migration.module}/${migration.id}${where} could not get a lock within its lock timeout of ${timeout}: ${withCode(message, code)}.${held} ${next}`,
    {
      cause: error.cause,
      details: {
        module: migration.module,
        id: migration.id,
        direction,
        transactional: body.transactional,
        ...(file ? { file } : {}),
        ...(error.line ? { line: error.line } : {}),
        lockTimeoutMs: error.lockTimeoutMs,
        blockers: error.blockers,
        databaseMessage: message,
        ...(code ? { databaseCode: code } : {}),
      },
    },
  );
}

/**
 * The commit that migrations reported applied depend on failed (issue 19 §5): which ones, and
 * what that may mean for each engine. Anything else passes through.
 */
export function unconfirmedCommitError(error: unknown, url: string): unknown {
  if (!(error instanceof CommitUnconfirmedError)) return error;
  const { message, code } = databaseWords(error.cause, url);
  const names = error.migrations.map((m) => `${m.module}/${m.id}`);
  const which = names.length === 1 ? `${names[0]} was` : `${names.join(', ')} were`;
  const what =
    names.length === 0
      ? 'No migration of this run waited for it (only history tables did), so no migration is in doubt.'
      : error.durability
        ? `${which} committed asynchronously: visible now, but lost if the server crashed before writing them to disk.`
        : `${which} waiting in that commit: they may not be committed at all.`;
  return new ModkitError(
    'migration-failed',
    `the database did not confirm the commit of this run's last migrations: ${withCode(message, code)}. ${what} ` +
      'Run `modkit status` once the database answers: migrations it shows pending are applied again by the next ' +
      'migrate, and one it shows dirty needs the repair it names.',
    {
      cause: error.cause,
      details: { unconfirmed: error.migrations, databaseMessage: message, ...(code ? { databaseCode: code } : {}) },
    },
  );
}
