import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import { startCli } from '../support/run-cli.js';

/**
 * Issue 20, item 4 (startup hooks with a time limit) and issue 19 §5 (reports that say what really
 * happened), on a real `modkit run` / `migrate --only`. Hooks announce themselves on stdout; the
 * tests wait for those lines, never for a duration.
 */
let project: FixtureProject | undefined;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  project = undefined;
  target = undefined;
});

const source = (name: string, body: string, deps: string[] = [], system = false): FixtureModule => ({
  name,
  source: `import { existsSync } from 'node:fs';\nexport default { name: '${name}', deps: ${JSON.stringify(deps)}, system: ${system}, ${body} };\n`,
});
const hang = 'await new Promise(() => setInterval(() => {}, 1000));';
const stopLines = (output: string) => [...output.matchAll(/^\[stop\] (\S+) stopped/gm)].map((m) => m[1]);

describe('hookTimeoutMs', () => {
  it('a hung init fails the run with exit 1 naming module, hook and limit; nothing had started, and the report says so', async () => {
    project = await createFixtureProject([source('a', `async init() { console.log('a: init pending'); ${hang} }`)], {
      hookTimeoutMs: 500,
    });
    const result = await startCli(['run', '-c', project.configPath]).done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /init\(ctx\) of module "a" failed in the init phase \(.*a\/module\.mjs\): it did not return within its time limit of 500 ms \(hookTimeoutMs\) and was left behind, still running\. No module had started, so none was stopped\. Fix the hook/,
    );
    expect(result.stderr).not.toContain('already started were stopped');
    expect(result.stderr).toContain('warning: [init] a TIMED-OUT');
  });

  it('a hung start (its own timeouts.start) stops the modules already started, in reverse order, and says which', async () => {
    project = await createFixtureProject(
      [
        source('a', `async stop() { console.log('a: stopped'); }`),
        source('b', `async stop() { console.log('b: stopped'); }`, ['a']),
        source(
          'c',
          `timeouts: { start: '300ms' }, async start() { console.log('c: start pending'); ${hang} }, async stop() { console.log('c: stop ran'); }`,
          ['b'],
        ),
      ],
      { hookTimeoutMs: 60_000 },
    );
    const result = await startCli(['run', '-c', project.configPath]).done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('start(signal) of module "c" failed in the start phase');
    expect(result.stderr).toContain('within its time limit of 300 ms (timeouts.start of module "c")');
    expect(result.stderr).toContain('The modules already started were stopped in reverse order: b, a.');
    expect(stopLines(result.stdout)).toEqual(['b', 'a']);
    expect(result.stdout).not.toContain('c: stop ran');
  });

  it('migrate --only bounds a hung preInit too: exit 1, nothing migrated', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject(
      [
        {
          ...source('sys', `migrations: './migrations', async preInit() { ${hang} }`, [], true),
          migrations: { '0001_t.sql': 'CREATE TABLE t (id INTEGER);' },
        },
      ],
      { hookTimeoutMs: 400 },
    );
    const result = await startCli(['migrate', '--only', '-c', project.configPath, '--url', target.url]).done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /preInit\(sys\) of module "sys" failed in the pre_init phase .*within its time limit of 400 ms \(hookTimeoutMs\).*Nothing was migrated or started\./,
    );
    expect(existsSync(target.file!) ? await tableNames(target) : []).not.toContain('t');
  });
});

describe('reports that match what happened (issue 19 §5)', () => {
  it('SIGTERM during a start() that blocks the thread synchronously is an interrupted start: exit 130, what started is stopped', async () => {
    project = await createFixtureProject([
      source('a', `async stop() { console.log('a: stopped'); }`),
      // Blocks the event loop until the test has sent SIGTERM and then created the file.
      source(
        'b',
        `start() { console.log('b: blocking'); while (!existsSync(process.env.RELEASE)) {} console.log('b: returned'); }, stop() { console.log('b: stopped'); }`,
        ['a'],
      ),
    ]);
    const release = join(project.dir, 'release');
    const cli = startCli(['run', '-c', project.configPath], { env: { RELEASE: release } });
    await cli.waitFor(/b: blocking/);
    cli.child.kill('SIGTERM');
    await writeFile(release, '');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toContain('b: returned');
    expect(result.stdout).not.toContain('[modkit] running');
    expect(result.stderr).toContain('interrupted by a signal during the start phase');
    expect(stopLines(result.stdout)).toEqual(['b', 'a']);
  });

  it('a preInit interrupted by a signal under run: no "[db] nothing to migrate" after "[modkit] failed"', async () => {
    project = await createFixtureProject(
      [source('sys', `async preInit() { console.log('sys: pre_init pending'); ${hang} }`, [], true)],
      { shutdownDeadlineMs: 100 },
    );
    const cli = startCli(['run', '-c', project.configPath]);
    await cli.waitFor(/sys: pre_init pending/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toContain('[modkit] failed');
    expect(result.stdout).not.toContain('[db] nothing to migrate');
  });

  it('a post_init failure after every init: the report says no module had started', async () => {
    project = await createFixtureProject([
      source('sys', `init() {}, postInit() { throw new Error('registry incomplete'); }`, [], true),
    ]);
    const result = await startCli(['run', '-c', project.configPath]).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('postInit(sys) of module "sys" failed in the post_init phase');
    expect(result.stderr).toContain('registry incomplete. No module had started, so none was stopped.');
  });
});

describe('a project with no migrations and no database', () => {
  it('creates no SQLite file (run and migrate --only)', async () => {
    project = await createFixtureProject([
      source('a', `start(signal, ctx) { console.log('a: started as ' + ctx.name); }`),
    ]);
    const migrate = await startCli(['migrate', '--only', '-c', project.configPath]).done;
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain('No database: no module has migrations and none is configured');
    const cli = startCli(['run', '-c', project.configPath]);
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGTERM');
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No database: no module has migrations and none is configured');
    expect(run.stdout).toContain('a: started as a');
    expect(existsSync(join(project.dir, '.modkit'))).toBe(false);
  });
});
