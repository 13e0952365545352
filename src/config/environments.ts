import { UsageError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { EnvironmentConfig, ModkitConfig } from './types.js';

/**
 * The named environment `name` of `config` (`--env NAME`), and the config with it laid over: objects
 * merge key by key, any other value replaces, `undefined` included (an environment that says
 * `url: process.env.PROD_URL` with PROD_URL unset must not quietly keep the config's URL). An
 * unknown name is exit 2 with the names there are.
 */
export function selectEnvironment(
  config: ModkitConfig,
  name: string | undefined,
  configFile: string,
): { readonly config: ModkitConfig; readonly environment?: EnvironmentConfig } {
  if (name === undefined) return { config };
  const environments = config.environments ?? {};
  const names = Object.keys(environments);
  if (!Object.hasOwn(environments, name)) {
    throw new UsageError(
      names.length === 0
        ? `--env ${name}: ${configFile} defines no environments ` +
            `(add "environments": { ${JSON.stringify(name)}: { database: { url: … } } })`
        : `--env ${name}: ${configFile} defines no environment "${name}"${suggest(name, names)} ` +
            `(it defines ${names.join(', ')})`,
    );
  }
  const environment = environments[name]!;
  const merged = overlay(config as Settings, environment as Settings);
  return { config: merged as ModkitConfig, environment };
}

/** A close name (`stagign` → `staging`), or one the input begins (`prod` → `production`). */
function suggest(name: string, names: readonly string[]): string {
  const typo = didYouMean(name, names);
  if (typo) return typo;
  const longer = names.filter((n) => n.toLowerCase().startsWith(name.toLowerCase()));
  return longer.length === 1 ? ` (did you mean "${longer[0]}"?)` : '';
}

type Settings = Readonly<Record<string, unknown>>;

function overlay(base: Settings, over: Settings): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = base[key];
    merged[key] = isPlainObject(below) && isPlainObject(value) ? overlay(below, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
