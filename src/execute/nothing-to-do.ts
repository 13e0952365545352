import type { MigrationPlan } from '../plan/types.js';

/**
 * True when the db phase would change nothing and report nothing on the histories planned: nothing
 * pending, no problem to refuse or warn about, no history table to bring up to date. A fleet skips
 * such a target's lock on a history read without it: whatever another runner commits meanwhile
 * can only add to an up-to-date history what this run would have had to wait for anyway.
 */
export function nothingToDo(plan: MigrationPlan): boolean {
  if (plan.pendingCount > 0 || plan.problems.length > 0) return false;
  const current = ({ history }: MigrationPlan['modules'][number]) =>
    !history.exists || (history.missingColumns.length === 0 && !history.legacyAppliedAt);
  return plan.modules.every(current);
}
