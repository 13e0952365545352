import { afterEach, describe, expect, it } from 'vitest';
import { healthUrl, probe, probeUntil } from '../support/health-probe.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';
import { startCli } from '../support/run-cli.js';

/**
 * Issue 20, item 3: SIGHUP re-reads the config (a fresh import of the ES module config) and calls
 * running modules' reload(ctx), system-first, fail-soft. The process keeps serving throughout.
 */
let project: FixtureProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** `greeter` reports its config through health's detail; it refuses the greeting "boom". */
const greeter = {
  name: 'greeter',
  source: `export default {
  name: 'greeter', system: true,
  health(ctx) { return { ok: true, detail: 'greeting=' + ctx.config.greeting }; },
  reload(ctx) {
    console.log('greeter: reload sees ' + ctx.config.greeting);
    if (ctx.config.greeting === 'boom') throw new Error('refusing boom');
  },
  stop(deadline, ctx) { console.log('greeter: stops with ' + ctx.config.greeting); },
};
`,
};
const plain = { name: 'plain', source: `export default { name: 'plain', deps: ['greeter'] };\n` };

const config = (greeting: string, extra = '') =>
  `export default { modules: ['modules/*/module.mjs'], ${extra} modulesConfig: { greeter: { greeting: ${JSON.stringify(greeting)} } } };\n`;

describe('SIGHUP', () => {
  it('calls reload(ctx) with the new config and keeps serving; a failing reload and a broken config keep the old config', async () => {
    project = await createFixtureProject([greeter, plain]);
    await project.write('modkit.config.mjs', config('hello'));
    const cli = startCli(['run', '-c', project.configPath, '--health-port', '0', '--json']);
    const url = await healthUrl(cli);
    await cli.waitFor(/\[modkit\] running/);
    const greeting = async () => (
      await probe(`${url}/readyz`), (await probe(`${url}/status`)).body.modules[0].health.detail
    );
    expect(await greeting()).toBe('greeting=hello');

    await project.write('modkit.config.mjs', config('hi', 'lockTimeoutMs: 5,'));
    cli.child.kill('SIGHUP');
    await cli.waitFor(/SIGHUP: 1 of 1 module reloaded/);
    expect(await greeting()).toBe('greeting=hi');
    expect((await probe(`${url}/status`)).body).toMatchObject({
      state: 'running',
      reloads: 1,
      lastReload: {
        outcome: 'reloaded',
        modules: [{ module: 'greeter', status: 'ok' }],
        needsRestart: ['lockTimeoutMs'],
      },
      modules: [
        { name: 'greeter', lastReload: { status: 'ok' } },
        { name: 'plain', lastReload: null },
      ],
    });

    await project.write('modkit.config.mjs', config('boom'));
    cli.child.kill('SIGHUP');
    await cli.waitFor(/SIGHUP: 0 of 1 module reloaded; 1 kept its old config/);
    expect(await greeting()).toBe('greeting=hi');
    expect((await probe(`${url}/readyz`)).status).toBe(200);

    await project.write('modkit.config.mjs', 'export default { modules: [\n');
    cli.child.kill('SIGHUP');
    await cli.waitFor(/SIGHUP: the config no longer loads, nothing changed/);
    expect(await greeting()).toBe('greeting=hi');

    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('greeter: reload sees hi');
    expect(result.stderr).toContain('warning: [reload] greeter FAILED');
    expect(result.stderr).toContain('refusing boom; it keeps its old config');
    expect(result.stderr).toContain('greeter: stops with hi');
    const doc = JSON.parse(result.stdout);
    expect(doc.reloads.map((r: { outcome: string }) => r.outcome)).toEqual(['reloaded', 'partial', 'config-error']);
    expect(doc.reloads[1].modules).toEqual([
      {
        module: 'greeter',
        status: 'failed',
        durationMs: expect.any(Number),
        error: 'refusing boom; it keeps its old config',
      },
    ]);
  });

  it('with no reload hook anywhere, SIGHUP is logged and never fatal; a reload that overruns hookTimeoutMs keeps the old config', async () => {
    project = await createFixtureProject([
      plain,
      {
        name: 'greeter',
        source: `export default { name: 'greeter', reload(ctx) { if (ctx.config.greeting === 'slow') return new Promise(() => {}); } };\n`,
      },
    ]);
    await project.write('modkit.config.mjs', config('hello', 'hookTimeoutMs: 300,'));
    const noHooks = await createFixtureProject([
      plain,
      { name: 'greeter', source: `export default { name: 'greeter' };\n` },
    ]);
    try {
      const quiet = startCli(['run', '-c', noHooks.configPath]);
      await quiet.waitFor(/\[modkit\] running/);
      quiet.child.kill('SIGHUP');
      await quiet.waitFor(/no running module defines reload\(ctx\), so nothing changed/);
      quiet.child.kill('SIGTERM');
      expect((await quiet.done).code).toBe(0);
    } finally {
      await noHooks.cleanup();
    }

    const cli = startCli(['run', '-c', project.configPath, '--health-port', '0']);
    const url = await healthUrl(cli);
    await cli.waitFor(/\[modkit\] running/);
    await project.write('modkit.config.mjs', config('slow', 'hookTimeoutMs: 300,'));
    cli.child.kill('SIGHUP');
    const status = await probeUntil(`${url}/status`, (p) => p.body.reloads === 1);
    expect(status.body.lastReload.modules).toEqual([
      {
        module: 'greeter',
        status: 'timed-out',
        durationMs: expect.any(Number),
        error: expect.stringContaining('did not return within its time limit of 300 ms (hookTimeoutMs)'),
      },
    ]);
    expect((await probe(`${url}/readyz`)).status).toBe(200);
    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(0);
  });
});
