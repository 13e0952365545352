import { UsageError } from '../errors.js';
import type { RollbackStep } from '../plan/plan-rollback.js';
import { loadBody, type MigrationBody } from '../modules/load-body.js';
import { hasSqlStatement } from '../modules/unfinished.js';

/** A step whose down body was loaded, ready to run or to print (`--dry-run`). */
export interface LoadedDown {
  readonly step: RollbackStep;
  readonly body: MigrationBody;
}

/**
 * Loads the `down` of every step before anything runs, so a rollback either can undo every
 * migration it planned or refuses without touching the database (exit 2, listing each one).
 */
export async function checkDowns(steps: readonly RollbackStep[]): Promise<LoadedDown[]> {
  const loaded: LoadedDown[] = [];
  const offenders: string[] = [];
  for (const step of steps) {
    const migration = step.migration;
    if (!migration) {
      offenders.push(
        `${step.module}/${step.id}: applied in the database, but its file is gone, so there is no down to run`,
      );
      continue;
    }
    const body = await loadBody(migration, 'down');
    if (body && body.format === 'sql' && !hasSqlStatement(Buffer.from(body.sql))) {
      // A comment-only down would run nothing and forget the migration: the schema keeps it.
      offenders.push(
        `${step.module}/${step.id}${body.file ? ` (${body.file})` : ''}: its down holds no SQL statement (only comments), so undoing it would change nothing but the history`,
      );
    } else if (body) loaded.push({ step, body });
    else
      offenders.push(
        `${step.module}/${step.id}${migration.file ? ` (${migration.file})` : ''}: ${downAdvice(migration.format, migration.file)}`,
      );
  }
  if (offenders.length > 0) {
    throw new UsageError(
      `refusing to roll back: ${offenders.length === 1 ? 'a migration' : `${offenders.length} migrations`} to undo cannot be undone, so nothing ran:\n` +
        offenders.map((o) => `- ${o}`).join('\n') +
        '\nAdd the missing down, or roll back less (--steps N / --to ID).',
      { details: { missingDown: offenders } },
    );
  }
  return loaded;
}

function downAdvice(format: 'sql' | 'script', file: string | undefined): string {
  if (format === 'script') return 'it exports no down(db) function';
  if (!file) return 'it has no down';
  return `it has no ${file.replace(/(\.up)?\.sql$/, '.down.sql').replace(/^.*[\\/]/, '')} (a plain .sql file is up only)`;
}
