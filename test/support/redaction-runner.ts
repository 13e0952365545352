import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';
import type { AwkwardUrl } from './awkward-urls.js';
import { leakedFragments } from './awkward-urls.js';
import { createFixtureProject, type FixtureProject } from './project-fixture.js';
import { createTestDatabase, pgUrl, type TestDatabase } from './postgres.js';
import { startCli, type CliResult } from './run-cli.js';

/** Every command that prints a database URL, with the arguments it needs on the fixture below. */
export const URL_COMMANDS: readonly (readonly string[])[] = [
  ['status'],
  ['plan'],
  ['validate'],
  ['migrate', '--only'],
  ['baseline', 'core', '--to', '0001_a'],
  ['repair'],
  ['rollback', 'core'],
  ['run'],
];

/** Human output, then `--json --verbose`: the JSON document, the human lines on stderr and every stack trace. */
export const OUTPUT_MODES: readonly (readonly string[])[] = [[], ['--json', '--verbose']];

/** A one-module project with an up and a down, so that migrate, rollback and run all do something. */
export function redactionProject(): Promise<FixtureProject> {
  return createFixtureProject([
    {
      name: 'core',
      migrations: { '0001_a.up.sql': 'CREATE TABLE a (id INTEGER);', '0001_a.down.sql': 'DROP TABLE a;' },
    },
  ]);
}

export interface CommandRun extends CliResult {
  readonly args: readonly string[];
}

/**
 * Runs `args` with `url` given as `--database-url` or as `MODKIT_DATABASE_URL` (both channels reach the
 * same code). `run` is stopped with SIGTERM once it says it is running.
 */
export async function runWithUrl(
  project: FixtureProject,
  url: string,
  args: readonly string[],
  channel: 'flag' | 'env',
): Promise<CommandRun> {
  const full = [...args, '-c', project.configPath, ...(channel === 'flag' ? ['--database-url', url] : [])];
  const cli = startCli(full, channel === 'env' ? { env: { MODKIT_DATABASE_URL: url } } : {});
  if (args[0] === 'run') {
    const running = await Promise.race([
      cli.waitFor(/\[modkit\] running/, 60_000).then(() => true),
      cli.done.then(() => false),
    ]);
    if (running) cli.child.kill('SIGTERM');
  }
  return { ...(await cli.done), args: full };
}

/** Asserts that no fragment of the entry's secret appears anywhere in a run's output. */
export function expectNoLeak(entry: AwkwardUrl, run: CommandRun): void {
  const leaked = leakedFragments(entry, `${run.stdout}\n${run.stderr}`);
  expect(
    leaked,
    `${entry.name}: modkit ${run.args.join(' ')} printed ${leaked.join(', ')}:\n${run.stdout}\n${run.stderr}`,
  ).toEqual([]);
}

/** A database owned by a fresh role whose password is `password` (as pg will send it), and how to drop both. */
export async function databaseForRole(
  password: string | undefined,
): Promise<{ role: string; database: TestDatabase; drop(): Promise<void> }> {
  const role = `modkit_redact_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN${password ? ` PASSWORD ${admin.escapeLiteral(password)}` : ''}`);
  } finally {
    await admin.end();
  }
  const database = await createTestDatabase(pgUrl(), 'modkit_redact');
  await adminQuery(`ALTER DATABASE ${database.name} OWNER TO ${role}`);
  return {
    role,
    database,
    drop: async () => {
      await database.drop();
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    },
  };
}

/** The password pg itself reads from a URL (what it sends to the server), or undefined when it cannot parse it. */
export function passwordPgSends(url: string): string | undefined {
  try {
    return (
      (new pg.Client({ connectionString: url }) as unknown as { connectionParameters: { password?: string } })
        .connectionParameters.password ?? undefined
    );
  } catch {
    return undefined;
  }
}

/** True when pg connects with `url` (the server may trust any password, or check it). */
export async function pgConnects(url: string): Promise<boolean> {
  try {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** `host:port` of the test server. */
export function serverHostPort(): string {
  return new URL(pgUrl()).host;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: pgUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
