import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load-config.js';
import type { ConfigOverrides, ResolvedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { loadFleetTargets } from '../fleet/load-targets.js';
import type { FleetTarget } from '../fleet/resolve-targets.js';
import type { FleetOptions } from '../fleet/run-fleet.js';
import { parseShard } from '../fleet/shard.js';
import { projectOptions, type CommonFlags } from './common-options.js';

/** The fleet flags (docs/fleets.md). */
export interface FleetFlags {
  readonly targets?: string;
  readonly parallel?: number;
  readonly failFast?: boolean;
  readonly canary?: number;
  readonly shard?: string;
}

/** Adds `--targets`, `--parallel`, `--fail-fast`, `--shard` (and `--canary` for migrate). */
export function addFleetOptions(command: Command, { canary = false }: { canary?: boolean } = {}): Command {
  command
    .option(
      '--targets <file>',
      'a fleet: one database URL a line (URL schema=NAME for a PostgreSQL schema), # comments; - reads stdin',
    )
    .option('--parallel <n>', 'fleet: how many targets at once (default 4)', positive)
    .option('--fail-fast', 'fleet: start no other target after the first failure')
    .option('--shard <i/n>', 'fleet: only shard I of N (by hash of each target; for N CI jobs or Indexed Job pods)');
  if (canary)
    command.option('--canary <k>', 'fleet: migrate the first K targets first; stop if any of them fails', positive);
  return command;
}

/**
 * The config, and the fleet when the command runs over one (`--targets`, or the config's `targets`
 * when no `--url`/`MODKIT_DATABASE_URL` names a single database). Fleet flags without a fleet, or
 * `--targets` with `--url`, are usage errors.
 */
export async function loadFleet(
  flags: CommonFlags & FleetFlags,
  overrides: Pick<ConfigOverrides, 'needsDatabase'> = {},
): Promise<{ readonly config: ResolvedConfig; readonly targets?: FleetTarget[] }> {
  if (flags.targets !== undefined && flags.databaseUrl !== undefined) {
    throw new UsageError(
      '--targets and --url both say where to migrate: give a targets file for a fleet, or --url for one database',
    );
  }
  const config = await loadConfig({ ...projectOptions(flags), ...overrides });
  const targets =
    flags.targets === '-'
      ? await loadFleetTargets(config, { text: { text: await readStdin(), name: 'stdin' } })
      : await loadFleetTargets(config, flags.targets !== undefined ? { file: flags.targets } : {});
  if (!targets) {
    const stray = (['parallel', 'failFast', 'canary', 'shard'] as const).filter((k) => flags[k] !== undefined);
    if (stray.length > 0) {
      const names = stray.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
      throw new UsageError(`${names} only apply to a fleet: give --targets FILE, or list "targets" in the config`);
    }
  }
  return { config, ...(targets ? { targets } : {}) };
}

/** The scheduler's options from the flags. */
export function fleetOptions(flags: FleetFlags, signal: AbortSignal): FleetOptions {
  return {
    ...(flags.parallel !== undefined ? { parallel: flags.parallel } : {}),
    ...(flags.failFast ? { failFast: true } : {}),
    ...(flags.canary !== undefined ? { canary: flags.canary } : {}),
    ...(flags.shard !== undefined ? { shard: parseShard(flags.shard) } : {}),
    signal,
    collect: false,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}
