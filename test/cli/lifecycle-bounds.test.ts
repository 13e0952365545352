import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, ENGINES, tableNames, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import { startCli } from '../support/run-cli.js';

/**
 * Issue 11, item 4: every way a module can keep the process from ending, with real processes and
 * real signals. Hooks announce themselves on stdout (`b: start pending`); the tests wait for those
 * lines, never for a duration. shutdownDeadlineMs is small so that the bounds pass quickly.
 */
let project: FixtureProject | undefined;
let target: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await target?.dispose();
  project = undefined;
  target = undefined;
});

/** `a` starts and stops normally (and says so); `b` depends on it and behaves as told. */
function modules(b: { start?: string; stop?: string }, migrations = true): FixtureModule[] {
  const a = `export default {
  name: 'a',
  ${migrations ? "migrations: './migrations'," : ''}
  async start() { console.log('a: started'); },
  async stop() { console.log('a: stop ran'); },
};
`;
  const bSource = `export default {
  name: 'b',
  deps: ['a'],
  async start(signal) { console.log('b: start pending'); ${b.start ?? ''} },
  async stop(deadline) { console.log('b: stop pending'); ${b.stop ?? ''} },
};
`;
  return [
    {
      name: 'a',
      source: a,
      ...(migrations ? { migrations: { '0001_a.sql': 'CREATE TABLE a_items (id INTEGER);' } } : {}),
    },
    { name: 'b', source: bSource },
  ];
}

const stopLines = (output: string) => [...output.matchAll(/^\[stop\] (\S+) stopped/gm)].map((m) => m[1]);

describe.each(ENGINES)('lifecycle bounds on %s', (engine) => {
  const run = async (b: { start?: string; stop?: string }) => {
    target = await createTarget(engine);
    project = await createFixtureProject(modules(b), { shutdownDeadlineMs: 100 });
    return startCli(['run', '-c', project.configPath, '--database-url', target.url]);
  };

  it('SIGTERM during a start() that ignores its signal: the started modules stop in reverse order, exit 130, the hook is named', async () => {
    // The interval keeps Node alive, as a real start waiting on a socket would.
    const cli = await run({ start: 'await new Promise(() => setInterval(() => {}, 1000));' });
    await cli.waitFor(/b: start pending/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('interrupted by a signal during the start phase');
    expect(result.stderr).toMatch(
      /start\(signal\) of module "b" \(.*modules\/b\/module\.mjs\) did not return within 200 ms of the signal/,
    );
    expect(result.stderr).toContain('warning: [start] b TIMED-OUT');
    expect(result.stdout).toContain('a: stop ran');
    expect(result.stdout).not.toContain('b: stop pending');
    expect(stopLines(result.stdout)).toEqual(['a']);
    expect(await tableNames(target!)).toContain('a_items');
  });

  it('a stop() that blocks the event loop: the backstop interrupts it and the watchdog ends the run with exit 1', async () => {
    const cli = await run({ stop: 'for (;;) {}' });
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('b: stop pending');
    expect(result.stderr).toContain('modkit: the stop phase is past its bound and the main thread does not respond');
    expect(result.stderr).toMatch(/the whole stop phase exceeded its bound of \d+ ms; not stopped: b, a/);
    // What did stop, truthfully: nothing (it used to say "The other modules were still stopped").
    expect(result.stderr).toContain('No module stopped cleanly.');
    expect(result.stderr).not.toContain('still stopped');
    expect(result.stderr).not.toContain('Waiting for the debugger');
  });
});

describe('lifecycle bounds', () => {
  it('a start() whose promise can never settle, with nothing keeping Node alive: exit 1 naming the hook (not 13), started modules stopped', async () => {
    // No database configured and no migrations: no pool, no socket, nothing in the event loop.
    project = await createFixtureProject(modules({ start: 'await new Promise(() => {});' }, false), {
      shutdownDeadlineMs: 100,
    });
    for (const json of [false, true]) {
      const result = await startCli(['run', '-c', project.configPath, ...(json ? ['--json'] : [])]).done;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(
        /start\(signal\) of module "b" failed in the start phase \(.*\): it returned a promise that can never settle/,
      );
      // Under --json, what user code prints goes to stderr: stdout is the document's alone.
      expect(json ? result.stderr : result.stdout).toContain('a: stop ran');
      if (json)
        expect(JSON.parse(result.stdout)).toMatchObject({
          exitCode: 1,
          lifecycle: { outcome: 'failed', stopped: ['a'] },
        });
      else expect(stopLines(result.stdout)).toEqual(['a']);
    }
  });

  it('an init() that stalls the same way fails by name with exit 1', async () => {
    const source = `export default { name: 'solo', async init() { await new Promise(() => {}); } };\n`;
    project = await createFixtureProject([{ name: 'solo', source }]);
    const result = await startCli(['run', '-c', project.configPath]).done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /init\(ctx\) of module "solo" failed in the init phase \(.*\): it returned a promise that can never settle/,
    );
  });

  it('a migration script that stalls on SQLite: what committed stays, it is rolled back, exit 1 naming it', async () => {
    target = await createTarget('sqlite');
    project = await createFixtureProject([
      {
        name: 'core',
        migrations: {
          '0001_first.sql': 'CREATE TABLE first (id INTEGER);',
          '0002_stall.mjs':
            "export async function up(db) { await db.raw('CREATE TABLE second (id INTEGER)'); await new Promise(() => {}); }",
        },
      },
    ]);
    const result = await startCli(['migrate', '--only', '-c', project.configPath, '--database-url', target.url]).done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /Migration core\/0002_stall \(.*0002_stall\.mjs\) did not finish: it returned a promise that can never settle/,
    );
    expect(result.stderr).toContain('It was rolled back and nothing after it ran');
    const tables = await tableNames(target);
    expect(tables).toContain('first');
    expect(tables).not.toContain('second');
  });

  it('SIGTERM during a preInit that ignores its signal ends the run with exit 130 once its bound passed, naming it', async () => {
    const source = `export default { name: 'sys', system: true, async preInit() { console.log('sys: pre_init pending'); await new Promise(() => setInterval(() => {}, 1000)); } };\n`;
    project = await createFixtureProject([{ name: 'sys', source }], { shutdownDeadlineMs: 100 });
    const cli = startCli(['migrate', '--only', '-c', project.configPath]);
    await cli.waitFor(/sys: pre_init pending/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/preInit\(sys\) of module "sys" \(.*\) did not return within 200 ms of the signal/);
  });

  it('a stop() blocked in native code, where V8 cannot interrupt it: the backstop kills the process (SIGKILL, shell status 137)', async () => {
    project = await createFixtureProject(
      modules({ stop: "(await import('node:fs')).readFileSync(process.env.MODKIT_TEST_FIFO);" }, false),
      { shutdownDeadlineMs: 100 },
    );
    // Reading a FIFO nobody writes to blocks in open(2) for ever.
    const fifo = join(project.dir, 'never-written.fifo');
    execFileSync('mkfifo', [fifo]);
    const cli = startCli(['run', '-c', project.configPath], { env: { MODKIT_TEST_FIFO: fifo } });
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.signal).toBe('SIGKILL');
    expect(result.code).toBeNull();
    expect(result.stdout).toContain('b: stop pending');
    expect(result.stderr).toContain(
      'modkit: the main thread is still blocked (in native code?): killing the process with SIGKILL (exit status 137)',
    );
  });
});

/**
 * The Node facts the backstop (src/cli/exit-backstop.ts) is designed around, checked on the Node
 * that runs the tests: a worker cannot end the process with a code of its choosing.
 */
describe('what a worker thread can do to end the process', () => {
  it('process.exit() in a worker ends the worker only, and process.abort() is not available there', () => {
    const script = `
      const { Worker } = require('node:worker_threads');
      const worker = new Worker("try { process.abort(); } catch (e) { console.log('abort: ' + e.code); } process.exit(7);", { eval: true });
      worker.on('exit', (code) => { console.log('worker exited with ' + code + '; the process goes on'); process.exitCode = 0; });`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('abort: ERR_WORKER_UNSUPPORTED_OPERATION\nworker exited with 7; the process goes on\n');
  });
});
