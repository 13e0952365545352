import { databaseKey } from '../config/database-key.js';
import { parseDatabaseUrl, redactUrl, withSchema } from '../config/database-url.js';
import { expandEnv } from '../config/expand-env.js';
import type { DatabaseTarget, FleetTargets, SettingSource } from '../config/types.js';
import { engineName, schemaEngineNames, traitsOf } from '../engines/engine-table.js';
import { UsageError } from '../errors.js';
import type { ListedTarget } from './targets-file.js';

/** A fleet target, ready to open. */
export interface FleetTarget {
  readonly target: DatabaseTarget;
  /** As printed: the redacted URL, and ` schema=NAME` for a schema target. */
  readonly label: string;
  /** The normalized identity (canonical database + schema): duplicates and shards go by it. */
  readonly key: string;
  /** Where it was listed (`targets.txt:12`, `config targets[3]`). */
  readonly origin: string;
}

/**
 * Expands `${VAR}` in each listed URL and schema (as in every database setting), parses each URL,
 * and gives a schema target its history schema and `search_path` (PostgreSQL only). Every problem
 * is reported at once (exit 2), each naming where the target was listed and its redacted URL: an
 * unset variable, a bad URL, a schema on an engine without schemas, a target listed twice (both
 * places named), or an empty list.
 */
export function resolveTargets(
  listed: readonly ListedTarget[],
  options: {
    readonly source: SettingSource;
    readonly baseDir: string;
    readonly env: NodeJS.ProcessEnv;
    readonly from: string;
  },
): FleetTarget[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const targets: FleetTarget[] = [];
  for (const entry of listed) {
    const url = expandEnv(entry.url, `${entry.origin}`, options.env);
    const schema =
      entry.schema === undefined ? undefined : expandEnv(entry.schema, `${entry.origin} (schema)`, options.env);
    problems.push(...url.problems, ...(schema?.problems ?? []));
    if (url.problems.length > 0 || (schema?.problems.length ?? 0) > 0) continue;
    let parsed: DatabaseTarget;
    try {
      parsed = parseDatabaseUrl(url.value, options.source, options.baseDir);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(`${entry.origin}: ${error.message}`); // the message shows the URL redacted
      continue;
    }
    const label = `${redactUrl(url.value)}${schema ? ` schema=${schema.value}` : ''}`;
    const { searchPathOf } = traitsOf(parsed.engine);
    if (schema !== undefined) {
      if (searchPathOf === undefined) {
        const engine = engineName(parsed.engine);
        problems.push(
          `${entry.origin}: ${label}: a schema target needs ${schemaEngineNames()}; ${engine} has no schemas (list one database per tenant instead)`,
        );
        continue;
      }
      if (schema.value.length === 0 || Buffer.byteLength(schema.value) > 63) {
        problems.push(`${entry.origin}: ${label}: a schema name is 1 to 63 bytes`);
        continue;
      }
    }
    const target = schema ? withSchema(parsed, schema.value, searchPathOf!(schema.value)) : parsed;
    const key = `${databaseKey(target)}${schema ? `#${schema.value}` : ''}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(
        `${entry.origin}: ${label} is the same target as ${first} (each target is migrated once per run: remove one)`,
      );
      continue;
    }
    seen.set(key, entry.origin);
    targets.push({ target, label, key, origin: entry.origin });
  }
  if (problems.length > 0) throw new UsageError(problems);
  if (targets.length === 0)
    throw new UsageError(
      `${options.from} lists no targets: a fleet needs at least one database URL (a line per target; # starts a comment)`,
    );
  return targets;
}

/** The config's `targets` as listed entries: the list itself, or what its function returns. */
export async function listConfigTargets(targets: FleetTargets, configFile: string): Promise<ListedTarget[]> {
  let list: unknown;
  try {
    list = typeof targets === 'function' ? await targets() : targets;
  } catch (error) {
    throw new UsageError(
      `${configFile}: the "targets" function failed: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
  if (!Array.isArray(list))
    throw new UsageError(
      `${configFile}: the "targets" function must return a list of URLs or { url, schema }, got ${typeof list}`,
    );
  return list.map((entry: unknown, i): ListedTarget => {
    const origin = `config targets[${i}]`;
    if (typeof entry === 'string') return { url: entry, origin };
    const object = entry as { url?: unknown; schema?: unknown } | null;
    if (
      object &&
      typeof object.url === 'string' &&
      (object.schema === undefined || typeof object.schema === 'string')
    ) {
      return { url: object.url, ...(typeof object.schema === 'string' ? { schema: object.schema } : {}), origin };
    }
    throw new UsageError(`${configFile}: ${origin} must be a URL or { url, schema } with strings`);
  });
}
