/**
 * Issue 23 #14: every output that lists warnings ends with their count (hundreds of warning lines
 * scroll away; the last line says how many there were). Markers of other tools that modkit does not
 * act on are warned about by `migrate` (in the up files) and `rollback` (in the down files).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli } from '../support/run-cli.js';

const NOT_ACTED_ON = /looks like an instruction to a migration tool, but modkit does not act on it/g;

describe('outputs that list warnings end with their count', () => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  it('migrate --only and rollback on SQLite', async () => {
    target = await createTarget('sqlite');
    const migrations: Record<string, string> = {};
    for (const n of [1, 2, 3]) {
      migrations[`000${n}_t${n}.up.sql`] = `-- flyway:placeholder${n}\nCREATE TABLE t${n} (id INTEGER PRIMARY KEY);\n`;
      migrations[`000${n}_t${n}.down.sql`] = `-- atlas:hint${n}\nDROP TABLE t${n};\n`;
    }
    project = await createFixtureProject([{ name: 'core', migrations }]);
    const cli = (...args: string[]) => runCli([...args, '-c', project.configPath, '--database-url', target.url]);

    const up = await cli('migrate', '--only');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr.match(NOT_ACTED_ON)).toHaveLength(3);
    expect(up.stdout.trimEnd().split('\n').at(-1)).toBe('3 warnings.');

    const down = await cli('rollback', 'core', '--steps', '2');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr.match(NOT_ACTED_ON)).toHaveLength(2);
    expect(down.stdout).toContain('Rolled back 2 migrations in 1 module');
    expect(down.stdout.trimEnd().split('\n').at(-1)).toBe('2 warnings.');

    // No warning, no count line.
    await project.write('modules/core/migrations/0001_t1.down.sql', 'DROP TABLE t1;\n');
    const last = await cli('rollback', 'core');
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).not.toMatch(NOT_ACTED_ON);
    expect(last.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Rolled back 1 migration in 1 module/);
  });
});
