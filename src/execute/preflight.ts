import { ModkitError } from '../errors.js';
import type { MigrationPlan } from '../plan/types.js';
import { loadBody } from '../modules/load-body.js';
import type { TxMode } from './types.js';

/**
 * Checks, before anything runs, what would otherwise fail half-way: every pending script
 * migration loads and exports `up`, and `--tx-mode all` holds no no-transaction migration.
 * Script files are imported now (they would be anyway); SQL files are read only under
 * `--tx-mode all` (through the run's body loader, `bodies`, which the steps then read from).
 */
export async function preflight(plan: MigrationPlan, txMode: TxMode, bodies = loadBody): Promise<void> {
  const broken: string[] = [];
  const noTransaction: string[] = [];
  for (const modulePlan of plan.modules) {
    for (const migration of modulePlan.pending) {
      if (migration.format !== 'script' && txMode !== 'all') continue;
      const name = `${migration.module}/${migration.id}${migration.file ? ` (${migration.file})` : ''}`;
      try {
        const body = await bodies(migration, 'up');
        if (body && !body.transactional) noTransaction.push(name);
      } catch (error) {
        broken.push((error as Error).message);
      }
    }
  }
  if (broken.length > 0) {
    throw new ModkitError(
      'usage',
      `nothing was applied: ${broken.length === 1 ? broken[0] : `\n- ${broken.join('\n- ')}`}`,
      {
        details: { problems: broken },
      },
    );
  }
  if (txMode === 'all' && noTransaction.length > 0) {
    throw new ModkitError(
      'usage',
      `nothing was applied: --tx-mode all runs everything in one transaction, but these pending migrations are marked no-transaction: ` +
        `${noTransaction.join(', ')}. Run them with --tx-mode per-migration (the default).`,
      { details: { migrations: noTransaction } },
    );
  }
}
