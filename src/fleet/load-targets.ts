import type { ResolvedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { hasModuleDatabases } from '../config/module-databases.js';
import { listConfigTargets, resolveTargets, type FleetTarget } from './resolve-targets.js';
import { parseTargetsText, readTargetsFile } from './targets-file.js';

export interface TargetsSource {
  /** `--targets FILE`: the file's path … */
  readonly file?: string;
  /** … or its text already read (`--targets -`: the CLI reads stdin), named `name`. */
  readonly text?: { readonly text: string; readonly name: string };
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The fleet a command runs over, or undefined for a single-database run. The precedence of every
 * database setting holds: a targets file (a flag) wins; otherwise the config's `targets` apply
 * unless `--url` or `MODKIT_DATABASE_URL` names one database, which then is the whole run.
 * A fleet replaces the default database; modules with a database of their own
 * (`modulesConfig.<name>.database`) are not per tenant, and a fleet refuses them (exit 2).
 */
export async function loadFleetTargets(
  config: ResolvedConfig,
  source: TargetsSource = {},
): Promise<FleetTarget[] | undefined> {
  const env = source.env ?? process.env;
  const cwd = source.cwd ?? process.cwd();
  let fleet: FleetTarget[] | undefined;
  if (source.text) {
    fleet = resolveTargets(parseTargetsText(source.text.text, source.text.name), {
      source: 'flag',
      baseDir: cwd,
      env,
      from: source.text.name,
    });
  } else if (source.file !== undefined) {
    fleet = resolveTargets(await readTargetsFile(source.file), {
      source: 'flag',
      baseDir: cwd,
      env,
      from: `the targets file ${source.file}`,
    });
  } else if (config.targets !== undefined && config.database.source !== 'flag' && config.database.source !== 'env') {
    fleet = resolveTargets(await listConfigTargets(config.targets, config.configFile), {
      source: 'config',
      baseDir: config.rootDir,
      env,
      from: `"targets" in ${config.configFile}`,
    });
  }
  if (fleet && hasModuleDatabases(config)) {
    throw new UsageError(
      `a fleet migrates the default database of each target, but ${Object.keys(config.moduleDatabases)
        .map((m) => `module "${m}"`)
        .join(', ')} ` +
        'has a database of its own (modulesConfig.<name>.database), which is not per tenant: migrate it on its own, without targets',
    );
  }
  return fleet;
}
