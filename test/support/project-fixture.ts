import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** One module of a fixture project. */
export interface FixtureModule {
  readonly name: string;
  readonly deps?: readonly string[];
  readonly system?: boolean;
  /** File name → content, written under `modules/<name>/migrations/`. */
  readonly migrations?: Readonly<Record<string, string>>;
  /** Extra source placed inside the module object literal (hooks, etc.). */
  readonly extra?: string;
  /** Replaces the whole module file. */
  readonly source?: string;
}

export interface FixtureProject {
  readonly dir: string;
  readonly configPath: string;
  /** Writes (or overwrites) a file relative to the project dir. */
  write(path: string, content: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** The path of a module's migration file. */
  migrationPath(module: string, file: string): string;
  cleanup(): Promise<void>;
}

/**
 * Writes a throwaway modkit project into a temp dir: a `modkit.config.mjs` and one plain
 * `module.mjs` per module (no imports, so it loads with no build step and no TS loader).
 */
export async function createFixtureProject(
  modules: readonly FixtureModule[],
  config: Record<string, unknown> = {},
): Promise<FixtureProject> {
  const dir = await mkdtemp(join(tmpdir(), 'modkit-fixture-'));
  const write = async (path: string, content: string) => {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  };
  const configBody = JSON.stringify({ modules: ['modules/*/module.mjs'], ...config }, null, 2);
  await write('modkit.config.mjs', `export default ${configBody};\n`);
  for (const module of modules) {
    await write(`modules/${module.name}/module.mjs`, module.source ?? moduleSource(module));
    for (const [file, content] of Object.entries(module.migrations ?? {})) {
      await write(`modules/${module.name}/migrations/${file}`, content);
    }
    if (!module.source && !module.migrations)
      await mkdir(join(dir, 'modules', module.name, 'migrations'), { recursive: true });
  }
  return {
    dir,
    configPath: join(dir, 'modkit.config.mjs'),
    write,
    remove: (path) => rm(join(dir, path), { force: true }),
    migrationPath: (module, file) => join(dir, 'modules', module, 'migrations', file),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function moduleSource(module: FixtureModule): string {
  return `export default {
  name: ${JSON.stringify(module.name)},
  deps: ${JSON.stringify(module.deps ?? [])},
  system: ${module.system === true},
  migrations: './migrations',
  ${module.extra ?? ''}
};
`;
}
