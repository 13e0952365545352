import { randomBytes } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, type TestTarget } from '../support/engines.js';
import { healthUrl, probe, probeUntil } from '../support/health-probe.js';
import { pgUrl } from '../support/postgres.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { runCli, startCli } from '../support/run-cli.js';

/**
 * Issue 21: out-of-process modules, with real children (a Node script and shell scripts) under a
 * real `modkit run`. Outcomes are asserted, never durations; waits poll with generous bounds.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fixture(...args: Parameters<typeof createFixtureProject>): Promise<FixtureProject> {
  const project = await createFixtureProject(...args);
  cleanups.push(() => project.cleanup());
  return project;
}

/**
 * A Node worker: records its environment, arguments and working directory, counts its spawns in
 * spawns.txt, prints a log line and an event, then (by $MODE) gets ready and stays, crashes after
 * ready on its first spawns, or exits before ready.
 */
const NODE_WORKER = `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
const spawns = (() => { try { return readFileSync('spawns.txt', 'utf8').split('\\n').filter(Boolean).length; } catch { return 0; } })() + 1;
appendFileSync('spawns.txt', process.pid + '\\n');
writeFileSync('seen.json', JSON.stringify({ env: process.env, argv: process.argv.slice(2), cwd: process.cwd() }));
const mode = process.env.MODE ?? 'stay';
if (mode === 'early-exit') { console.error('boom: cannot open the queue'); process.exit(4); }
console.log('plain log line from the worker');
console.log(JSON.stringify({ event: 'warming', spawn: spawns }));
console.log(JSON.stringify({ event: 'ready' }));
const crashes = Number(process.env.CRASHES ?? 0);
if (mode === 'crash' && (crashes < 0 || spawns <= crashes)) {
  setTimeout(() => { console.error('worker crashed on spawn ' + spawns); process.exit(3); }, 20);
}
process.on('SIGTERM', () => { appendFileSync(process.env.ORDER ?? 'order.txt', 'worker\\n'); process.exit(0); });
setInterval(() => {}, 1 << 30);
`;

/** An in-process module whose stop appends its name to $ORDER. */
const recorder = (name: string, deps: string[], system = false) => ({
  name,
  source: `import { appendFileSync } from 'node:fs';
export default { name: ${JSON.stringify(name)}, deps: ${JSON.stringify(deps)}, system: ${system},
  async stop() { appendFileSync(process.env.ORDER, ${JSON.stringify(name + '\n')}); } };
`,
});

/** A module run by `process` (its script beside the module file). */
const processModule = (
  name: string,
  deps: string[],
  process: Record<string, unknown>,
  migrations?: Record<string, string>,
) => ({
  name,
  ...(migrations ? { migrations } : {}),
  source: `export default { name: ${JSON.stringify(name)}, deps: ${JSON.stringify(deps)},
  ${migrations ? "migrations: './migrations'," : ''}
  process: ${JSON.stringify(process)} };
`,
});

function nodeWorker(extra: Record<string, unknown> = {}) {
  return { command: process.execPath, args: ['worker.mjs', '--queue', 'jobs'], ...extra };
}

/** True while `pid` is a live process (a zombie nobody reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    if (process.platform === 'linux') return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The test harness's own server URLs (MODKIT_TEST_*), unset. */
function harnessUrlsUnset(): Record<string, undefined> {
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('MODKIT_TEST_'))
      .map((k) => [k, undefined]),
  );
}

function json(stdout: string) {
  return JSON.parse(stdout);
}

describe('out-of-process modules', () => {
  it('a Node child gets its config, DSN, name, instance id, env and cwd; ready line, events and log; SIGTERM stops it, exit 0', async () => {
    const target: TestTarget = await createTarget('sqlite');
    cleanups.push(() => target.dispose());
    const project = await fixture(
      [
        processModule('worker', [], nodeWorker({ env: { LOG_LEVEL: 'debug' } }), {
          '0001_jobs.sql': 'CREATE TABLE jobs (id INTEGER);',
        }),
      ],
      { modulesConfig: { worker: { queue: 'jobs', batch: 5 } } },
    );
    await project.write('modules/worker/worker.mjs', NODE_WORKER);
    // A value the CLI reads from the .env beside the config: the child must not inherit it.
    await project.write('.env', 'FROM_DOTENV=secret-from-file\n');
    const moduleDir = join(project.dir, 'modules', 'worker');
    const cli = startCli(['run', '-c', project.configPath, '--json', '--health-port', '0'], {
      env: { MODKIT_DATABASE_URL: target.url, MODKIT_INSTANCE_ID: 'pod-7', PARENT_VAR: 'inherited' },
    });
    const url = await healthUrl(cli);
    await cli.waitFor(/\[modkit\] running/);
    expect(await probe(`${url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
    const status = (await probe(`${url}/status`)).body;
    const pid = Number(readFileSync(join(moduleDir, 'spawns.txt'), 'utf8').trim());
    expect(status.modules[0]).toMatchObject({
      name: 'worker',
      state: 'running',
      process: { command: process.execPath, pid, state: 'ready', restarts: 0, exits: [], eventCount: 1 },
    });
    expect(status.modules[0].process.events[0].event).toEqual({ event: 'warming', spawn: 1 });

    const seen = JSON.parse(await readFile(join(moduleDir, 'seen.json'), 'utf8'));
    expect(seen.cwd).toBe(moduleDir);
    expect(seen.argv).toEqual(['--queue', 'jobs']);
    expect(JSON.parse(seen.env.MODKIT_MODULE_CONFIG)).toEqual({
      config: { queue: 'jobs', batch: 5 },
      database: { module: { dsn: `sqlite://${target.file}` } },
    });
    expect(seen.env).toMatchObject({
      MODKIT_MODULE_NAME: 'worker',
      MODKIT_INSTANCE_ID: 'pod-7',
      LOG_LEVEL: 'debug',
      PARENT_VAR: 'inherited',
    });
    expect(seen.env.MODKIT_DATABASE_URL).toBeUndefined();
    expect(seen.env.FROM_DOTENV).toBeUndefined();

    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('worker: plain log line from the worker');
    expect(result.stderr).toMatch(new RegExp(`\\[process\\] worker starting \\(pid ${pid}\\)`));
    expect(result.stderr).toMatch(/\[spawn\] worker ok/);
    // Its SIGTERM handler exits 0. Once in ~10 runs on Node 24 the child was reported killed by
    // SIGTERM instead (a second SIGTERM reaching it while it exits? not yet explained): either way
    // it stopped on modkit's SIGTERM, which is what this test is about.
    expect(result.stderr).toMatch(
      new RegExp(`\\[process\\] worker stopped \\(pid ${pid}, (exit code 0|signal SIGTERM)\\)`),
    );
    const doc = json(result.stdout);
    expect(doc.processes.worker).toMatchObject({
      pid,
      state: 'stopped',
      restarts: 0,
      exits: [{ pid }],
    });
    const [exit] = doc.processes.worker.exits;
    expect([exit.code, exit.signal]).toEqual(exit.signal === null ? [0, null] : [null, 'SIGTERM']);
    expect(doc.processes.worker.events).toEqual([{ at: expect.any(String), event: { event: 'warming', spawn: 1 } }]);
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it('SIGTERM to modkit stops a shell child in its turn (reverse topological order) and exits 0', async () => {
    const project = await fixture([
      recorder('core', [], true),
      processModule('worker', ['core'], { command: './worker.sh' }),
      recorder('api', ['worker']),
    ]);
    await project.write(
      'modules/worker/worker.sh',
      `#!/bin/sh
trap 'echo "worker got TERM"; echo worker >> "$ORDER"; exit 0' TERM
echo "shell worker for $MODKIT_MODULE_NAME starting"
echo '{"event":"ready"}'
while true; do sleep 0.1; done
`,
    );
    await chmod(join(project.dir, 'modules/worker/worker.sh'), 0o755);
    const order = join(project.dir, 'order.txt');
    const cli = startCli(['run', '-c', project.configPath], { env: { ORDER: order } });
    await cli.waitFor(/\[modkit\] running/);
    expect(cli.stdout()).toContain('worker: shell worker for worker starting');
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect((await readFile(order, 'utf8')).split('\n').filter(Boolean)).toEqual(['api', 'worker', 'core']);
    expect(result.stdout).toContain('worker: worker got TERM');
    expect([...result.stdout.matchAll(/^\[stop\] (\S+) stopped/gm)].map((m) => m[1])).toEqual([
      'api',
      'worker',
      'core',
    ]);
  });

  it('a child that never gets ready within readyTimeoutMs fails the run: exit 1 naming module, command and its stderr; it is stopped', async () => {
    const project = await fixture([
      recorder('core', [], true),
      processModule('slow', ['core'], { command: 'sh', args: ['slow.sh'], readyTimeoutMs: 300 }),
    ]);
    await project.write(
      'modules/slow/slow.sh',
      'echo $$ > pid.txt\necho "loading the model" >&2\nwhile true; do sleep 0.1; done\n',
    );
    const result = await runCli(['run', '-c', project.configPath], { env: { ORDER: join(project.dir, 'order.txt') } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('the process of module "slow" (sh slow.sh;');
    expect(result.stderr).toContain('did not print {"event":"ready"} within its readyTimeoutMs of 300 ms');
    expect(result.stderr).toContain('loading the model');
    expect(result.stderr).toContain('The modules already started were stopped in reverse order: slow, core.');
    const pid = Number(await readFile(join(project.dir, 'modules/slow/pid.txt'), 'utf8'));
    expect(await waitUntilGone(pid)).toBe(true);
    expect(await readFile(join(project.dir, 'order.txt'), 'utf8')).toBe('core\n');
  });

  it('a child that exits before it is ready fails the run with its exit code and stderr', async () => {
    const project = await fixture([processModule('worker', [], nodeWorker())]);
    await project.write('modules/worker/worker.mjs', NODE_WORKER);
    const result = await runCli(['run', '-c', project.configPath, '--json'], { env: { MODE: 'early-exit' } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('it exited with code 4 before it was ready');
    expect(result.stderr).toContain('boom: cannot open the queue');
    const doc = json(result.stdout);
    expect(doc.error.message).toContain('the process of module "worker"');
    expect(doc.processes.worker).toMatchObject({ state: 'failed', exits: [{ code: 4 }] });
  });

  it('a child that crashes is restarted after its backoff, and /status counts the restart', async () => {
    const project = await fixture([
      processModule('worker', [], nodeWorker({ restart: { policy: 'on-failure', maxAttempts: 3, backoffMs: 50 } })),
    ]);
    await project.write('modules/worker/worker.mjs', NODE_WORKER);
    const cli = startCli(['run', '-c', project.configPath, '--json', '--health-port', '0'], {
      env: { MODE: 'crash', CRASHES: '1' },
    });
    const url = await healthUrl(cli);
    const status = await probeUntil(
      `${url}/status`,
      (p) => p.body.modules[0].process.restarts === 1 && p.body.modules[0].process.state === 'ready',
    );
    const spawns = (await readFile(join(project.dir, 'modules/worker/spawns.txt'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map(Number);
    expect(spawns).toHaveLength(2);
    expect(status.body.modules[0].process).toMatchObject({
      pid: spawns[1],
      exits: [{ pid: spawns[0], code: 3, signal: null }],
    });
    expect(await waitUntilGone(spawns[0]!)).toBe(true);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /\[process\] worker restarting \(pid \d+, exit code 3\): it exited with code 3; restart 1 in 50 ms/,
    );
    expect(json(result.stdout).processes.worker).toMatchObject({ state: 'stopped', restarts: 1, pid: spawns[1] });
  });

  it('a child that keeps crashing spends its restart budget and shuts the app down (exit 1)', async () => {
    const project = await fixture([
      recorder('core', [], true),
      processModule(
        'worker',
        ['core'],
        nodeWorker({ restart: { policy: 'on-failure', maxAttempts: 2, backoffMs: 10 } }),
      ),
    ]);
    await project.write('modules/worker/worker.mjs', NODE_WORKER);
    const result = await runCli(['run', '-c', project.configPath, '--json'], {
      env: { MODE: 'crash', CRASHES: '-1', ORDER: join(project.dir, 'order.txt') },
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(
      "That was 3 times in a row (process.restart 'on-failure', at most 2 restarts), so the application shut down.",
    );
    expect(result.stderr).toContain('worker crashed on spawn 3');
    const doc = json(result.stdout);
    expect(doc.processes.worker).toMatchObject({ state: 'failed', restarts: 2 });
    expect(doc.processes.worker.exits.map((e: { code: number }) => e.code)).toEqual([3, 3, 3]);
    expect(await readFile(join(project.dir, 'order.txt'), 'utf8')).toBe('core\n');
  });

  it('SIGKILL to modkit leaves no child behind, even a plain command that watches nothing', async () => {
    const project = await fixture([processModule('sleeper', [], { command: 'sh', args: ['sleeper.sh'] })]);
    await project.write('modules/sleeper/sleeper.sh', `echo '{"event":"ready"}'\nexec sleep 1000\n`);
    const cli = startCli(['run', '-c', project.configPath, '--health-port', '0']);
    const url = await healthUrl(cli);
    await cli.waitFor(/\[modkit\] running/);
    const pid = (await probe(`${url}/status`)).body.modules[0].process.pid as number;
    expect(alive(pid)).toBe(true);
    cli.child.kill('SIGKILL');
    await cli.done;
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it('a child that ignores SIGTERM is killed after its stop budget, and the run reports it (exit 1)', async () => {
    const project = await fixture([processModule('stubborn', [], { command: 'sh', args: ['stubborn.sh'] })], {
      shutdownDeadlineMs: 300,
    });
    await project.write(
      'modules/stubborn/stubborn.sh',
      `trap '' TERM\necho $$ > pid.txt\necho '{"event":"ready"}'\nwhile true; do sleep 0.1; done\n`,
    );
    const cli = startCli(['run', '-c', project.configPath, '--json']);
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(
      'did not exit within its 300 ms deadline (shutdownDeadlineMs) after SIGTERM, and was killed with SIGKILL',
    );
    const doc = json(result.stdout);
    expect(doc.processes.stubborn).toMatchObject({ state: 'stopped', exits: [{ code: null, signal: 'SIGKILL' }] });
    expect(doc.lifecycle.stopProblems).toEqual([expect.objectContaining({ module: 'stubborn', status: 'timed-out' })]);
    const pid = Number(await readFile(join(project.dir, 'modules/stubborn/pid.txt'), 'utf8'));
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it('SIGTERM while a child is getting ready interrupts the run (exit 130) and stops the child', async () => {
    const project = await fixture([
      processModule('slow', [], { command: 'sh', args: ['slow.sh'], readyTimeoutMs: '5m' }),
    ]);
    await project.write(
      'modules/slow/slow.sh',
      'echo $$ > pid.txt\necho "warming up"\nwhile true; do sleep 0.1; done\n',
    );
    const cli = startCli(['run', '-c', project.configPath]);
    await cli.waitFor(/slow: warming up/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('interrupted by a signal during the spawn phase');
    const pid = Number(await readFile(join(project.dir, 'modules/slow/pid.txt'), 'utf8'));
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it('a command that does not exist fails the run clearly (exit 1)', async () => {
    const project = await fixture([processModule('ghost', [], { command: 'no-such-program-modkit' })]);
    const result = await runCli(['run', '-c', project.configPath]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('its command "no-such-program-modkit" is not an executable file on PATH');
  });

  it('an invalid process definition is exit 2 naming the key', async () => {
    const project = await fixture([processModule('bad', [], { command: 'x', readyTimeout: 5, args: 'nope' })]);
    const result = await runCli(['validate', '-c', project.configPath, '--offline']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"process.args" must be an array of strings');
    expect(result.stderr).toContain('unknown key "process.readyTimeout"');
  });
});

describe('out-of-process modules on PostgreSQL with a least-privilege runtime.url', () => {
  it('the privileged URL never appears in the child environment; its DSN is runtime.url', async () => {
    const target = await createTarget('postgres');
    const role = `modkit_oop_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(9).toString('hex');
    const admin = async (url: string, sql: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    cleanups.push(() => admin(pgUrl(), `DROP ROLE IF EXISTS ${role}`));
    cleanups.push(() => target.dispose());
    await admin(target.url, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    const runtimeUrl = new URL(target.url);
    runtimeUrl.username = role;
    runtimeUrl.password = password;
    const project = await fixture(
      [processModule('worker', [], nodeWorker(), { '0001_jobs.sql': 'CREATE TABLE jobs (id INTEGER);' })],
      {
        runtime: { url: runtimeUrl.href },
      },
    );
    await project.write('modules/worker/worker.mjs', NODE_WORKER);
    const cli = startCli(['run', '-c', project.configPath], {
      // The privileged URL reaches modkit three ways; none may reach the child.
      // (The harness's own admin URL is kept out, so that any other superuser URL in the child is a leak.)
      env: { ...harnessUrlsUnset(), MODKIT_DATABASE_URL: target.url, DATABASE_URL: target.url, ADMIN_URL: target.url },
    });
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(await readFile(join(project.dir, 'modules/worker/seen.json'), 'utf8'));
    expect(JSON.parse(seen.env.MODKIT_MODULE_CONFIG).database).toEqual({ module: { dsn: runtimeUrl.href } });
    const privileged = new URL(target.url);
    for (const [name, value] of Object.entries(seen.env as Record<string, string>)) {
      expect(value.includes(target.url) || value.includes(`${privileged.username}@${privileged.host}`), name).toBe(
        false,
      );
    }
    expect(seen.env.MODKIT_DATABASE_URL).toBeUndefined();
    expect(seen.env.DATABASE_URL).toBeUndefined();
    expect(existsSync(join(project.dir, 'modules/worker/spawns.txt'))).toBe(true);
  });
});
