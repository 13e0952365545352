import { UsageError } from '../errors.js';
import { compareIds } from '../modules/migration-files.js';
import type { StopAt } from '../plan/stop-at.js';
import type { MigrationPlan } from '../plan/types.js';

/**
 * `--to ID` / `--to MODULE=ID` (repeatable), as `migrate --only`, `plan` and `baseline` take them.
 * A bare ID belongs to the one module the command names (`--module M` given once, or baseline's
 * argument); with none or several it would be a guess, so it is refused. Every mistake is listed at
 * once (exit 2). Module names and ids never contain `=`, so the first `=` splits.
 *
 * @example
 * parseStopAt(['0002_email_index'], ['users']);       // { users: '0002_email_index' }
 * parseStopAt(['core=0003_x', 'users=0001_users'], []); // { core: '0003_x', users: '0001_users' }
 */
export function parseStopAt(
  values: readonly string[] | undefined,
  named: readonly string[] | undefined,
): StopAt | undefined {
  if (!values || values.length === 0) return undefined;
  const modules = [...new Set(named ?? [])];
  const to: Record<string, string> = {};
  const problems: string[] = [];
  for (const value of values) {
    const eq = value.indexOf('=');
    const module = eq >= 0 ? value.slice(0, eq) : modules.length === 1 ? modules[0]! : undefined;
    const id = eq >= 0 ? value.slice(eq + 1) : value;
    if (module === undefined) {
      problems.push(
        `--to ${value}: a migration id belongs to one module, and ${modules.length === 0 ? 'no module is named' : `${modules.length} are named (${modules.join(', ')})`}; ` +
          `write --to MODULE=${value}${modules.length === 0 ? ', or name the module with --module MODULE' : ''}`,
      );
    } else if (module === '' || id === '') {
      problems.push(`--to ${value}: expected MODULE=ID, e.g. --to users=0002_email_index`);
    } else if (to[module] !== undefined && to[module] !== id) {
      problems.push(`--to names two migrations for module "${module}" (${to[module]} and ${id}): give one`);
    } else {
      to[module] = id;
    }
  }
  if (problems.length > 0) throw new UsageError(problems);
  return to;
}

export const TO_NEEDS_ONLY =
  '--to migrates part of a module, and `modkit migrate` without --only would then start the application against it: ' +
  'use `modkit migrate --only --module M --to ID`';

/**
 * Per module stopped by `--to`: where it stops and what stays pending (migrate, and plan with `would`).
 * A module the database already had at (or past) its `--to` says so: nothing ran for it, and the
 * migrations recorded after the id are named with the command that goes back.
 */
export function heldBackLines(plan: MigrationPlan, to: StopAt, would = false): string[] {
  return plan.modules
    .filter((m) => m.module.name in to)
    .map((m) => {
      const name = m.module.name;
      const id = to[name]!;
      const left = (m.heldBack ?? []).map((h) => h.id);
      const after = left.length > 0 ? `; left pending after it: ${left.join(', ')}` : '; nothing comes after it';
      const reached =
        m.pending.length === 0 && m.history.records.some((r) => r.version === id && r.state === 'applied');
      if (!reached) return `${would ? 'Would stop' : 'Stopped'} "${name}" at ${id} (--to)${after}.`;
      const later = m.history.records.filter((r) => compareIds(r.version, id) > 0).map((r) => r.version);
      const past =
        later.length > 0
          ? ` It is past it: ${later.join(', ')} ${later.length === 1 ? 'is' : 'are'} applied too (to go back: modkit rollback ${name} --to ${id}).`
          : '';
      return `"${name}" is already at ${id} (--to): nothing to apply up to it${after}.${past}`;
    });
}

/** The `heldBack` list of `--json` documents: per module stopped by `--to`, the ids left pending. */
export function heldBackJson(plan: MigrationPlan | undefined): { module: string; ids: string[] }[] {
  return (plan?.modules ?? [])
    .filter((m) => m.heldBack)
    .map((m) => ({ module: m.module.name, ids: m.heldBack!.map((h) => h.id) }));
}
