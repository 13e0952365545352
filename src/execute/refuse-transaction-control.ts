import { databaseOf, type DatabasePlacement } from '../config/module-databases.js';
import type { Engine } from '../engines/engine-table.js';
import { ModkitError } from '../errors.js';
import { findTransactionControl, type TransactionControlHit } from '../lint/transaction-control.js';
import { loadBody, type Direction, type MigrationBody } from '../modules/load-body.js';
import type { Migration } from '../modules/types.js';
import type { MigrationPlan } from '../plan/types.js';

/** A migration about to run in one direction, on the engine of its database. */
export interface StepToCheck {
  readonly migration: Migration;
  readonly direction: Direction;
  readonly engine: Engine;
  /** Already loaded (rollback's downs); else read now. */
  readonly body?: MigrationBody;
}

/** What was found in each file, per direction and engine: a fleet checks each file once for all its targets. */
const checked = new WeakMap<Migration, Map<string, readonly TransactionControlHit[]>>();

/**
 * Refuses (exit 4) before anything runs when a SQL migration about to run in a transaction holds a
 * top-level statement that would end or open that transaction (src/lint/transaction-control.ts),
 * listing every one with its file and line. A correctness check, not a lint: `--no-lint`, the lint
 * settings and ignore comments do not turn it off. Script migrations are checked as they run (their
 * knex handle refuses commit() and rollback(), and the session verifies the transaction after them).
 */
export async function refuseTransactionControl(steps: readonly StepToCheck[], bodies = loadBody): Promise<void> {
  const offenders: { step: StepToCheck; file?: string; hit: TransactionControlHit }[] = [];
  for (const step of steps) {
    const { migration, direction, engine } = step;
    if (migration.format !== 'sql' && !migration.inline) continue;
    const key = `${direction} ${engine}`;
    let hits = checked.get(migration)?.get(key);
    let file = direction === 'up' ? migration.file : (migration.downFile ?? migration.file);
    if (!hits) {
      const body = step.body ?? (await bodies(migration, direction));
      file = body?.file ?? file;
      hits = body?.format === 'sql' && body.transactional ? await findTransactionControl(body.sql, engine) : [];
      if (!checked.has(migration)) checked.set(migration, new Map());
      checked.get(migration)!.set(key, hits);
    }
    for (const hit of hits) offenders.push({ step, ...(file ? { file } : {}), hit });
  }
  if (offenders.length === 0) return;
  const one = offenders.length === 1;
  const lines = offenders.map(({ step, file, hit }) => {
    const what = `${step.migration.module}/${step.migration.id}${step.direction === 'down' ? ' (down)' : ''}`;
    return `- ${what} (${file ?? 'inline'}, line ${hit.line}): ${hit.message}`;
  });
  throw new ModkitError(
    'validation',
    `refusing to run: ${one ? 'a migration ends or opens' : `${offenders.length} statements end or open`} ` +
      `the transaction modkit runs ${one ? 'it' : 'their migrations'} in, so nothing ran:\n${lines.join('\n')}`,
    {
      details: {
        transactionControl: offenders.map(({ step, file, hit }) => ({
          module: step.migration.module,
          id: step.migration.id,
          direction: step.direction,
          ...(file ? { file } : {}),
          line: hit.line,
          statement: hit.statement,
        })),
      },
    },
  );
}

/** The pending migrations of a plan, each on its database's engine. */
export function pendingSteps(placement: DatabasePlacement, plan: MigrationPlan): StepToCheck[] {
  return plan.modules.flatMap((m) => {
    const { engine } = databaseOf(placement, m.module.name);
    return m.pending.map((migration) => ({ migration, direction: 'up' as const, engine }));
  });
}
