import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, ENGINES, queryTarget, type TestEngine, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

/**
 * Issue 19 §4: one database spelled two ways in a multi-database config (`127.0.0.1` and `127.1`)
 * is one database, known by what its server says it is, not by how the URL is spelled: the run
 * takes its lock once instead of waiting for itself until the lock timeout (exit 3).
 */
let project: FixtureProject;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  target = undefined;
});

/**
 * The same server address written another way: an IPv4 address in the shorter inet_aton form the
 * resolver also accepts (`127.0.0.1` → `127.0.1`, `10.1.2.3` → `10.1.515`); a host name by its address.
 */
async function otherSpelling(url: string): Promise<string> {
  const parsed = new URL(url);
  const address = isIPv4(parsed.hostname) ? parsed.hostname : (await lookup(parsed.hostname, { family: 4 })).address;
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  const spelled = `${a}.${b}.${c * 256 + d}`;
  return url.replace(`@${parsed.host}`, `@${spelled}${parsed.port ? `:${parsed.port}` : ''}`);
}

const SERVER_ENGINES = ENGINES.filter((e): e is Exclude<TestEngine, 'sqlite'> => e !== 'sqlite');

describe.each(SERVER_ENGINES)('one database spelled two ways on %s', (engine) => {
  it('is migrated under one lock, both modules in it, without waiting for itself (exit 0)', async () => {
    target = await createTarget(engine);
    const spelled = await otherSpelling(target.url);
    expect(spelled).not.toBe(target.url);
    project = await createFixtureProject(
      [
        {
          name: 'core',
          system: true,
          migrations: { '0001_core.sql': 'CREATE TABLE core_t (id INTEGER PRIMARY KEY);' },
        },
        {
          name: 'audit',
          deps: ['core'],
          migrations: { '0001_audit.sql': 'CREATE TABLE audit_t (id INTEGER PRIMARY KEY);' },
        },
      ],
      { database: { url: target.url }, modulesConfig: { audit: { database: { url: spelled } } } },
    );
    // A short lock timeout, so that the run that waited for itself failed fast (exit 3) before the fix.
    const r = await runCli(['migrate', '--only', '-c', project.configPath, '--lock-timeout', '3000', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Waiting for the migration lock');
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.applied).toBe(2);
    expect(doc.databases).toHaveLength(1);
    expect(doc.databases[0].modules).toEqual(['core', 'audit']);
    for (const module of ['core', 'audit']) {
      const rows = await queryTarget<{ version: string }>(
        target,
        `SELECT version FROM ${await historyTableName(module)}`,
      );
      expect(rows.map((row) => row.version)).toHaveLength(1);
    }
  });
});
