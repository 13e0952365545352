import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { MIGRATION_ID_PATTERN } from '../modules/migration-files.js';
import type { LoadedModule } from '../modules/types.js';
import { UNFINISHED_MARKER } from '../modules/unfinished.js';
import { loadProject, type LoadProjectOptions } from '../project/load-project.js';
import { didYouMean } from '../util/did-you-mean.js';

/** `sql`: a `.up.sql` + `.down.sql` pair; `ts`: one `.ts` file exporting `up` and `down`. */
export type NewMigrationFormat = 'sql' | 'ts';

export interface NewMigrationOptions extends LoadProjectOptions {
  readonly module: string;
  /** Free text, turned into the snake_case part of the id: "add refunds" → `add_refunds`. */
  readonly name: string;
  /** Default `sql`. */
  readonly format?: NewMigrationFormat;
}

export interface NewMigrationReport {
  readonly module: string;
  readonly id: string;
  /** The files written, absolute. */
  readonly files: readonly string[];
}

/**
 * `modkit new <module> <name>`: writes the module's next migration with an up/down skeleton.
 * The id is the next number after the module's highest, zero-padded to four digits (wider if
 * the module already uses wider ids), so byte order stays numeric order. Needs no database.
 *
 * @example
 * ```ts
 * import { createMigration } from 'modkit';
 * const { files } = await createMigration({ module: 'billing', name: 'add refunds' }); // 0003_add_refunds.up.sql, .down.sql
 * ```
 */
export async function createMigration(options: NewMigrationOptions): Promise<NewMigrationReport> {
  // Another stub of the module, not written yet, must not stop the next one (nor reuse its number).
  const project = await loadProject({ ...options, allowUnfinished: true, needsDatabase: false });
  const module = project.byName.get(options.module);
  if (!module)
    throw new UsageError(
      `Unknown module "${options.module}"${didYouMean(options.module, [...project.byName.keys()])}.`,
    );
  const dir = migrationsDirOf(module);
  const id = `${nextNumber(module)}_${slugOf(options.name)}`;
  if (!MIGRATION_ID_PATTERN.test(id))
    throw new UsageError(
      `"${options.name}" does not make a valid migration id (${id}): use letters, digits and spaces.`,
    );
  const files =
    (options.format ?? 'sql') === 'ts'
      ? [[join(dir, `${id}.ts`), tsSkeleton(module.name, id)] as const]
      : [
          [join(dir, `${id}.up.sql`), sqlSkeleton(module.name, id, 'up')] as const,
          [join(dir, `${id}.down.sql`), sqlSkeleton(module.name, id, 'down')] as const,
        ];
  await mkdir(dir, { recursive: true });
  // `wx`: never overwrite a file someone wrote by hand with the same name.
  for (const [file, text] of files) {
    await writeFile(file, text, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        error.code === 'EEXIST'
          ? `${file} already exists; nothing was overwritten.`
          : `cannot write ${file}: ${error.message}`,
        { cause: error },
      );
    });
  }
  return { module: module.name, id, files: files.map(([file]) => file) };
}

function migrationsDirOf(module: LoadedModule): string {
  const source = module.definition.migrations;
  if (Array.isArray(source)) {
    throw new UsageError(
      `module "${module.name}" (${module.file}) defines its migrations inline, so there is no directory to write a file into. ` +
        "Add the migration to its `migrations` array, or switch the module to `migrations: './migrations'`.",
    );
  }
  if (!module.migrationsDir) {
    throw new UsageError(
      `module "${module.name}" (${module.file}) has no migrations directory: add \`migrations: './migrations'\` to its definition first.`,
    );
  }
  return module.migrationsDir;
}

/** The next number, zero-padded to the module's widest id prefix (at least four digits). */
export function nextNumber(module: Pick<LoadedModule, 'migrations' | 'unfinished'>): string {
  let max = 0n;
  let width = 4;
  for (const m of [...module.migrations, ...(module.unfinished ?? [])]) {
    const digits = /^[A-Za-z]?(\d+)/.exec(m.id)?.[1];
    if (!digits) continue;
    width = Math.max(width, digits.length);
    if (BigInt(digits) > max) max = BigInt(digits);
  }
  return String(max + 1n).padStart(width, '0');
}

/** "Add refunds!" → `add_refunds`. */
export function slugOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '')
    throw new UsageError(`migration name "${name}" has no letters or digits: describe the change, e.g. "add refunds".`);
  return slug;
}

/**
 * A SQL stub holds only comments: until a statement is written, every command refuses it
 * (modules/unfinished.ts), so it is never applied empty.
 */
function sqlSkeleton(module: string, id: string, direction: 'up' | 'down'): string {
  return direction === 'up'
    ? `-- ${module} ${id}: up\n-- Write the SQL below. Until this file holds a statement, modkit refuses to run (it never applies an unfinished migration).\n\n`
    : `-- ${module} ${id}: down (undoes the up)\n-- Write the SQL that undoes the up, newest change first. \`modkit validate\` reports a down that holds only comments.\n\n`;
}

/**
 * A script stub carries the unfinished marker until its author deletes that line. Its types come
 * from modkit, which the project depends on (knex is modkit's dependency, not the project's).
 */
function tsSkeleton(module: string, id: string): string {
  return `import type { Knex } from 'modkit';

// ${UNFINISHED_MARKER} — delete this line once up() and down() are written: until then modkit refuses to run.
// ${module} ${id}. \`db\` is a knex transaction scoped to this migration.
export async function up(db: Knex): Promise<void> {
  // await db.schema.createTable('example', (table) => { table.increments('id'); });
}

export async function down(db: Knex): Promise<void> {
  // await db.schema.dropTable('example');
}
`;
}
