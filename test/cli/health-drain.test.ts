import { createServer, type Server } from 'node:net';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';
import { healthUrl, probe, probeUntil } from '../support/health-probe.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { startCli } from '../support/run-cli.js';

/**
 * Issue 20, items 1 and 2, on a real `modkit run`: the health server's three paths, module health
 * checks, and the drain between SIGTERM and the stop phase. States are polled, never slept for.
 */
let project: FixtureProject | undefined;
let target: TestTarget | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await project?.cleanup();
  await target?.dispose();
  project = undefined;
  target = undefined;
});

/** `core` (system, one migration) and `web`, whose init waits for the file $GATE. */
const gatedApp = () => [
  {
    name: 'core',
    migrations: { '0001_things.sql': 'CREATE TABLE things (id INTEGER);' },
    source: `export default { name: 'core', system: true, migrations: './migrations' };\n`,
  },
  {
    name: 'web',
    source: `import { existsSync } from 'node:fs';
export default {
  name: 'web', deps: ['core'],
  async init(ctx) { console.log('web: init waiting'); while (!existsSync(process.env.GATE)) await new Promise((r) => setTimeout(r, 20)); },
  async stop(deadline, ctx) { console.log(ctx.name + ': stop ran'); },
};
`,
  },
];

describe.each(ENGINES)('health server and drain on %s', (engine) => {
  it('/readyz: 503 while starting, 200 when running, 503 at once on SIGTERM while the drain keeps modules up; then exit 0', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject(gatedApp());
    const gate = join(project.dir, 'gate');
    const cli = startCli(
      ['run', '-c', project.configPath, '--database-url', target.url, '--health-port', '0', '--drain', '10s'],
      {
        env: { GATE: gate, MODKIT_INSTANCE_ID: 'pod-a1' },
      },
    );
    const url = await healthUrl(cli);
    await cli.waitFor(/web: init waiting/);
    expect(await probe(`${url}/readyz`)).toEqual({
      status: 503,
      body: { status: 'not ready', reasons: ['starting (init phase)'] },
    });
    expect(await probe(`${url}/livez`)).toEqual({ status: 200, body: { status: 'live' } });
    const starting = await probe(`${url}/status`);
    expect(starting.body).toMatchObject({
      state: 'starting',
      phase: 'init',
      modules: [{ name: 'core' }, { name: 'web', state: 'starting', phase: 'init' }],
    });

    await writeFile(gate, '');
    await cli.waitFor(/\[modkit\] running/);
    expect(await probe(`${url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
    const running = await probe(`${url}/status`);
    const module = (name: string, system: boolean) => ({
      name,
      system,
      state: 'running',
      phase: null,
      health: null,
      restarts: 0,
      restarting: false,
      lastReload: null,
    });
    expect(running).toEqual({
      status: 200,
      body: {
        state: 'running',
        phase: 'wait',
        instanceId: 'pod-a1',
        startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        uptimeMs: expect.any(Number),
        modules: [module('core', true), module('web', false)],
        migrations: [{ module: 'core', id: '0001_things', durationMs: expect.any(Number) }],
        lastReload: null,
        reloads: 0,
      },
    });
    expect(JSON.stringify(running.body)).not.toContain(target.url);

    cli.child.kill('SIGTERM');
    const draining = await probeUntil(`${url}/readyz`, (p) => p.status === 503);
    expect(draining.body).toEqual({ status: 'not ready', reasons: ['draining'] });
    // The drain (10 s) holds the modules up: none has begun to stop.
    expect((await probe(`${url}/status`)).body.modules.map((m: { state: string }) => m.state)).toEqual([
      'running',
      'running',
    ]);
    expect(await probe(`${url}/livez`)).toEqual({ status: 200, body: { status: 'live' } });
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('[modkit] starting (instance pod-a1)');
    expect(result.stdout).toMatch(
      /\[modkit\] draining \(shutdown signal\)\n\[modkit\] \/readyz answers 503; modules stop in 10\.0 s \(drainMs\)\n[\s\S]*web: stop ran[\s\S]*\[modkit\] stopped/,
    );
    await expect(fetch(`${url}/livez`)).rejects.toThrow();
  });
});

describe('module health checks', () => {
  const api = (health: string) => ({
    name: 'api',
    source: `import { existsSync } from 'node:fs';\nexport default { name: 'api', ${health} };\n`,
  });

  it('a health(ctx) that throws makes /readyz 503 naming the module while /livez stays 200; recovering makes it ready again', async () => {
    project = await createFixtureProject([
      api(
        `health(ctx) { if (existsSync(process.env.SICK)) throw new Error('database down'); return { ok: true, detail: 'fine' }; }`,
      ),
    ]);
    const sick = join(project.dir, 'sick');
    const cli = startCli(['run', '-c', project.configPath, '--health-port', '0'], { env: { SICK: sick } });
    const url = await healthUrl(cli);
    await cli.waitFor(/\[modkit\] running/);
    expect((await probe(`${url}/readyz`)).status).toBe(200);
    await writeFile(sick, '');
    expect(await probe(`${url}/readyz`)).toEqual({
      status: 503,
      body: { status: 'not ready', reasons: ['module "api" unhealthy: database down'] },
    });
    expect((await probe(`${url}/livez`)).status).toBe(200);
    expect((await probe(`${url}/status`)).body.modules[0]).toMatchObject({
      state: 'running',
      health: { ok: false, detail: 'database down' },
    });
    await rm(sick);
    expect((await probe(`${url}/readyz`)).status).toBe(200);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: [health] api unhealthy: database down');
    expect(result.stdout).toContain('[health] api healthy again');
  });

  it('a health(ctx) that never answers is unhealthy after healthTimeoutMs, and is not called again while it hangs', async () => {
    project = await createFixtureProject(
      [
        api(
          `health() { globalThis.calls = (globalThis.calls ?? 0) + 1; console.log('api: health call ' + globalThis.calls); return new Promise(() => {}); }`,
        ),
      ],
      {
        healthTimeoutMs: 200,
      },
    );
    const cli = startCli(['run', '-c', project.configPath, '--health-port', '0']);
    const url = await healthUrl(cli);
    await cli.waitFor(/\[modkit\] running/);
    expect(await probe(`${url}/readyz`)).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        reasons: ['module "api" unhealthy: did not answer within 200 ms (healthTimeoutMs)'],
      },
    });
    const again = await probe(`${url}/readyz`);
    expect(again.body.reasons[0]).toMatch(
      /^module "api" unhealthy: its previous health\(ctx\) call has not returned \(for \d+ ms\)$/,
    );
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout.match(/api: health call/g)).toHaveLength(1);
  });

  it('a health port that is taken: exit 2 before anything runs', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as { port: number }).port;
    project = await createFixtureProject([api(`init() { console.log('api: init ran'); }`)]);
    const result = await startCli(['run', '-c', project.configPath, '--health-port', String(port)]).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`the health server cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
    expect(result.stdout).not.toContain('api: init ran');
  });
});
