import { lacksPrivilege } from '../db/connection-errors.js';
import { HistoryError, type HistoryAction } from '../db/session.js';
import { ModkitError } from '../errors.js';
import { databaseWords, dirtyAdvice, withCode } from './error-words.js';
import type { FailedStep } from './migration-error.js';

/**
 * Failures of modkit's own bookkeeping — a history table it could not create, read or write — as
 * one paragraph that says so and never blames the migration (exit 1).
 */

const ACTIONS: Readonly<Record<HistoryAction, string>> = {
  create: 'create its history table',
  upgrade: 'upgrade its history table',
  read: 'read its history table',
  record: 'record the migration in its history table',
  'mark-started': 'record the migration as started in its history table',
  'mark-applied': 'record the migration as applied in its history table',
  delete: 'remove the migration from its history table',
  repair: 'update its history table',
};

export function historyFailedError(step: FailedStep, error: HistoryError): ModkitError {
  const { migration, direction, body } = step;
  const module = migration.module;
  let aftermath: string;
  if (error.action === 'mark-applied' || (error.action === 'delete' && !body.transactional)) {
    aftermath = `The migration itself ran outside a transaction and did its work, but is not recorded as done, so module "${module}" is dirty: once the table is writable, run ${dirtyAdvice(module, direction)}.`;
  } else if (error.action === 'mark-started') {
    aftermath = `Nothing of ${module}/${migration.id} ran. Run migrate again once the cause is fixed.`;
  } else {
    aftermath =
      'The migration was rolled back together with it, so nothing changed and nothing after it ran. Run migrate again once the cause is fixed: it resumes from this migration.';
  }
  const what = `${direction === 'up' ? '' : 'the rollback of '}${module}/${migration.id}`;
  return bookkeepingError(error, what, aftermath, step.url, { module, id: migration.id, direction });
}

/**
 * A history table could not be created, upgraded or read, before any migration of `module` ran
 * (exit 1, never blaming a migration). Anything else passes through.
 */
export function historySetupError(error: unknown, module: string, url: string): unknown {
  if (!(error instanceof HistoryError)) return error;
  return bookkeepingError(
    error,
    `module ${module}`,
    `Nothing of module "${module}" ran. Run migrate again once the cause is fixed.`,
    url,
    { module },
  );
}

/**
 * A history write outside a migration (baseline, repair) failed: modkit's own bookkeeping (exit 1),
 * with `aftermath` saying what it left. Anything else passes through.
 */
export function historyWriteError(
  error: unknown,
  what: string,
  aftermath: string,
  url: string,
  details: Record<string, unknown> = {},
): unknown {
  if (!(error instanceof HistoryError)) return error;
  return bookkeepingError(error, what, aftermath, url, details);
}

function bookkeepingError(
  error: HistoryError,
  what: string,
  aftermath: string,
  url: string,
  details: Record<string, unknown>,
): ModkitError {
  const { message, code } = databaseWords(error.cause, url);
  const privilege = lacksPrivilege(error.cause)
    ? ` The role modkit connects with lacks a privilege: ${privilegeAdvice(error.action)}.`
    : '';
  return new ModkitError(
    'migration-failed',
    `modkit could not ${ACTIONS[error.action]} ${error.table} (for ${what}): ${withCode(message, code)}. This is modkit's own bookkeeping, not your migration.${privilege} ${aftermath}`,
    {
      cause: error.cause,
      details: {
        ...details,
        table: error.table,
        bookkeeping: error.action,
        databaseMessage: message,
        ...(code ? { databaseCode: code } : {}),
      },
    },
  );
}

/** What to grant for each bookkeeping action. */
function privilegeAdvice(action: HistoryAction): string {
  switch (action) {
    case 'create':
      return 'grant it CREATE on the schema that holds the history tables (or create the table in advance with the columns docs/project.md lists under "History tables")';
    case 'upgrade':
      return "history tables are upgraded with ALTER TABLE, which needs the table's owner: run this once as the owner";
    case 'read':
      return 'grant it SELECT on the history tables';
    default:
      return 'grant it SELECT, INSERT, UPDATE and DELETE on the history table';
  }
}
