import { UsageError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import { didYouMean } from '../util/did-you-mean.js';

/**
 * `migrate --only --to`: per module, the last migration the run applies (Flyway's `-target`,
 * knex's `migrate:up`). Keys are module names, values migration ids. Modules not named migrate
 * completely, as without `--to`.
 */
export type StopAt = Readonly<Record<string, string>>;

/**
 * Refuses (exit 2, every problem at once, before anything connects) a `--to` that the files alone
 * show cannot be honoured: those of {@link unknownStopAt}, and a module that another module of the
 * run depends on (that one's migrations would then run against part of it). `modules` is the run's
 * selection, which holds every dependency of its members.
 *
 * @example
 * checkStopAt(selectModules(project, ['users']), { users: '0002_email_index' }); // ok, or throws
 */
export function checkStopAt(modules: readonly LoadedModule[], to: StopAt, project?: readonly string[]): void {
  const problems = unknownStopAt(modules, to, project);
  for (const [name, id] of Object.entries(to)) {
    const dependents = modules.filter((m) => m.deps.includes(name)).map((m) => m.name);
    if (dependents.length === 0) continue;
    problems.push(
      `--to stops module "${name}" at ${id}, but ${dependents.map((d) => `"${d}"`).join(', ')} ` +
        `${dependents.length === 1 ? 'depends' : 'depend'} on it and would migrate in the same run, against part of "${name}". ` +
        `Migrate "${name}" alone first: modkit migrate --only --module ${name} --to ${id}`,
    );
  }
  if (problems.length > 0) throw new UsageError(problems);
}

/**
 * What is wrong with `to` from the files alone: a module not among `modules` (the run's selection),
 * or an id its module does not have. `project`: every module name, to tell a module the run leaves
 * out (select it with --module) from one that does not exist (did you mean).
 */
export function unknownStopAt(
  modules: readonly LoadedModule[],
  to: StopAt,
  project: readonly string[] = modules.map((m) => m.name),
): string[] {
  const byName = new Map(modules.map((m) => [m.name, m]));
  const problems: string[] = [];
  for (const [name, id] of Object.entries(to)) {
    const module = byName.get(name);
    if (!module && project.includes(name)) {
      problems.push(
        `--to ${name}=${id}: module "${name}" is not among the modules of this run (${[...byName.keys()].join(', ')}): add --module ${name}`,
      );
    } else if (!module) {
      problems.push(`--to ${name}=${id}: unknown module "${name}"${didYouMean(name, project)}`);
    } else if (!module.migrations.some((m) => m.id === id)) {
      const ids = module.migrations.map((m) => m.id);
      problems.push(
        `--to ${id}: module "${name}" has no migration with that id${didYouMean(id, ids)}. ` +
          `Its migrations: ${ids.length > 0 ? ids.join(', ') : 'none'}${module.migrationsDir ? ` (in ${module.migrationsDir})` : ''}`,
      );
    }
  }
  return problems;
}
