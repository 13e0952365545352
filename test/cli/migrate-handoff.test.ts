import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, type TestEngine, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli, startCli } from '../support/run-cli.js';

const HANDOFF = '[modkit] migrated; `modkit migrate` without --only now runs the application until SIGINT/SIGTERM';

/** Bare `modkit migrate` runs the application: it says so, naming --only, before the lifecycle starts (issue 23 item 9). */
describe.each(['sqlite', 'postgres'] as TestEngine[])('bare migrate on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });
  const setup = async (migration: string) => {
    target = await createTarget(engine);
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: { '0001_t.sql': migration },
        extra: "async start() { console.log('core started'); },",
      },
    ]);
  };

  it('prints one line after the db phase and before the first hook, naming --only', async () => {
    await setup('CREATE TABLE t (id INTEGER);');
    const cli = startCli(['migrate', '-c', project.configPath, '--database-url', target.url]);
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith(HANDOFF));
    expect(at, result.stdout).toBeGreaterThan(0);
    expect(lines[at]).toContain('(to migrate and exit, use `modkit migrate --only`)');
    expect(lines[at - 1]).toMatch(/^\[db\] applied 1 migration in 1 module/);
    expect(lines[at + 1]).toBe('core started');
    expect(lines.filter((l) => l.startsWith('[modkit] migrated;'))).toHaveLength(1);
    // `run` and `migrate --only` say nothing of the kind.
    expect(
      (await runCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url])).stdout,
    ).not.toContain('[modkit] migrated;');
    const run = startCli(['run', '-c', project.configPath, '--database-url', target.url]);
    await run.waitFor(/\[modkit\] running/);
    run.child.kill('SIGTERM');
    expect((await run.done).stdout).not.toContain('[modkit] migrated;');
  });

  it('says nothing of the application when the db phase fails', async () => {
    await setup('CREATE TABLE t (id INTEGER);\nINSERT INTO no_such_table VALUES (1);');
    const result = await runCli(['migrate', '-c', project.configPath, '--database-url', target.url]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain('[modkit] migrated;');
  });
});
