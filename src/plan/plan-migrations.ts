import { compareIds } from '../modules/migration-files.js';
import type { LoadedModule } from '../modules/types.js';
import { checkStopAt, type StopAt } from './stop-at.js';
import type { AllowOptions, AppliedRecord, MigrationPlan, ModuleHistory, ModulePlan, Problem } from './types.js';

/**
 * The pure heart of modkit: given modules (in the order they will run) and what their history
 * tables hold, decide what is pending and what is wrong. No I/O, so it is unit-tested directly.
 * `to` (`--to`) stops the named modules after the given migration: what sorts after it is held
 * back. A `to` already applied is not an error: that module has nothing to do (a retried deploy step,
 * or a fleet where some targets got there first, must not fail).
 */
export function planMigrations(
  modules: readonly LoadedModule[],
  histories: ReadonlyMap<string, ModuleHistory>,
  allow: AllowOptions = {},
  to: StopAt = {},
): MigrationPlan {
  checkStopAt(modules, to);
  const plans = modules.map((module) =>
    planModule(module, histories.get(module.name) ?? emptyHistory(module.name), to[module.name]),
  );
  const problems = plans.flatMap((p) => p.problems);
  const blocking = problems.filter((p) => !isAllowed(p, allow));
  return { modules: plans, problems, blocking, pendingCount: plans.reduce((n, p) => n + p.pending.length, 0) };
}

function planModule(module: LoadedModule, history: ModuleHistory, stopAt: string | undefined): ModulePlan {
  const recorded = new Map(history.records.map((r) => [r.version, r]));
  const byId = new Map(module.migrations.map((m) => [m.id, m]));
  const problems: Problem[] = [];
  const newest = history.records.filter((r) => r.state === 'applied').at(-1);
  for (const record of history.records) {
    const migration = byId.get(record.version);
    if (record.state === 'started') {
      problems.push({
        kind: 'dirty',
        module: module.name,
        id: record.version,
        ...(migration?.file ? { file: migration.file } : {}),
        message:
          `module "${module.name}" is dirty: migration ${record.version} started outside a transaction and never finished. ` +
          `Check what it left in the database: if you finished it by hand, run \`modkit repair --module ${module.name}\`; ` +
          `if you undid it, run \`modkit repair --module ${module.name} --retry\` so that migrate runs it again. ` +
          // The history cannot tell a migrate's step from a rollback's down: say both ways.
          'If it was a rollback that failed (its down), the other way round: finished the undo by hand, ' +
          `\`modkit repair --module ${module.name} --retry\` (its row goes); put back what it removed, \`modkit repair --module ${module.name}\``,
      });
    } else if (!migration) {
      problems.push({
        kind: 'missing',
        module: module.name,
        id: record.version,
        message: `module "${module.name}": migration ${record.version} is applied in the database but its file is gone${module.migrationsDir ? ` from ${module.migrationsDir}` : ''}`,
      });
    } else if (record.checksum !== null && record.checksum !== migration.checksum) {
      problems.push({
        kind: 'drift',
        module: module.name,
        id: record.version,
        ...(migration.file ? { file: migration.file } : {}),
        message:
          `module "${module.name}": migration ${record.version}${migration.file ? ` (${migration.file})` : ''} ` +
          `changed after it was applied (checksum ${record.checksum.slice(0, 12)}… in the database, ` +
          `${migration.checksum.slice(0, 12)}… on disk). ` +
          // The database ran the old text: only a change that does not alter what it did may be re-recorded.
          'If only comments or layout changed, record the new checksum with ' +
          `\`modkit repair --module ${module.name}\`; ` +
          'otherwise restore the applied text and put the change in a new migration',
      });
    }
  }
  const unrecorded = module.migrations.filter((m) => !recorded.has(m.id));
  const pending = stopAt === undefined ? unrecorded : unrecorded.filter((m) => compareIds(m.id, stopAt) <= 0);
  const heldBack = stopAt === undefined ? [] : unrecorded.filter((m) => compareIds(m.id, stopAt) > 0);
  for (const migration of pending) {
    if (newest && compareIds(migration.id, newest.version) < 0) {
      problems.push({
        kind: 'out-of-order',
        module: module.name,
        id: migration.id,
        ...(migration.file ? { file: migration.file } : {}),
        message: `module "${module.name}": pending migration ${migration.id} sorts before ${newest.version}, which is already applied`,
      });
    }
  }
  const applied = history.records.filter((r: AppliedRecord) => r.state === 'applied' && byId.has(r.version));
  return {
    module,
    history,
    applied,
    pending,
    ...(heldBack.length > 0 ? { heldBack } : {}),
    ...(newest ? { lastApplied: newest } : {}),
    problems,
  };
}

function isAllowed(problem: Problem, allow: AllowOptions): boolean {
  switch (problem.kind) {
    case 'drift':
      return allow.drift === true;
    case 'missing':
      return allow.missing === true;
    case 'out-of-order':
      return allow.outOfOrder === true;
    case 'dirty':
      return false;
  }
}

/** The history of a module whose table does not exist (or was not read). */
export function emptyHistory(module: string): ModuleHistory {
  return { module, table: '', exists: false, missingColumns: [], legacyAppliedAt: false, records: [] };
}
