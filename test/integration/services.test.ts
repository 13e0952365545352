import { afterEach, describe, expect, it } from 'vitest';
import { defineService, loadProject, runPipeline, type PipelineReport } from '../../src/index.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';

/**
 * ctx.services (the seed's ClientHub): provided in init, got by modules that depend on the
 * provider; the graph is the permission. No database: the modules own no migrations.
 */
let project: FixtureProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const facts = () => ((globalThis as { __services?: Record<string, unknown> }).__services ??= {});

/** Runs the project until it is running, then stops it. */
async function run(modules: FixtureModule[]): Promise<PipelineReport> {
  (globalThis as { __services?: unknown }).__services = {};
  project = await createFixtureProject(modules);
  const loaded = await loadProject({ configPath: project.configPath });
  const controller = new AbortController();
  return runPipeline(loaded, {
    mode: 'full',
    signal: controller.signal,
    onLifecycleEvent: (e) => {
      if (e.type === 'state' && e.state === 'running' && !e.module) controller.abort();
    },
  });
}

const module = (name: string, deps: string[], body: string, system = false): FixtureModule => ({
  name,
  source: `const facts = () => globalThis.__services;\nexport default { name: '${name}', deps: ${JSON.stringify(deps)}, system: ${system}, ${body} };\n`,
});

describe('ctx.services', () => {
  it('a provider shares a live object; a direct and a transitive dependent get it, by string or by token; start and stop get ctx', async () => {
    const report = await run([
      module(
        'mailer',
        [],
        `init(ctx) { const sent = []; ctx.services.provide('mailer', { send: (t) => sent.push(t), sent }); }`,
      ),
      module(
        'users',
        ['mailer'],
        `init(ctx) { ctx.services.get('mailer').send('welcome'); },
        start(signal, ctx) { facts().startCtx = ctx.name; }, stop(deadline, ctx) { facts().stopCtx = ctx.name; }`,
      ),
      module('reports', ['users'], `init(ctx) { facts().sent = [...ctx.services.get({ name: 'mailer' }).sent]; }`),
    ]);
    expect(report.error).toBeUndefined();
    expect(facts()).toEqual({ sent: ['welcome'], startCtx: 'users', stopCtx: 'users' });
  });

  it('system modules provide in preInit and get in postInit through sys.services', async () => {
    const report = await run([
      module('platform', [], `preInit(sys) { sys.services.provide('clock', { now: () => 42 }); }`, true),
      module(
        'audit',
        ['platform'],
        `postInit(sys) { facts().now = sys.services.get('clock').now(); }, init(ctx) { facts().initNow = ctx.services.get('clock').now(); }`,
        true,
      ),
    ]);
    expect(report.error).toBeUndefined();
    expect(facts()).toEqual({ now: 42, initNow: 42 });
  });

  it('refuses a key provided twice, naming the key and both providers', async () => {
    const report = await run([
      module('a', [], `init(ctx) { ctx.services.provide('cache', 1); }`),
      module('b', ['a'], `init(ctx) { ctx.services.provide('cache', 2); }`),
    ]);
    expect(report.error?.exitCode).toBe(1);
    expect(report.error?.message).toMatch(
      /init\(ctx\) of module "b" failed in the init phase .*: service "cache" is provided twice: module "a" already provided it/,
    );
  });

  it('a key nobody provided: names the key and lists what is provided', async () => {
    const report = await run([
      module('a', [], `init(ctx) { ctx.services.provide('mailer', {}); ctx.services.provide('cache', {}); }`),
      module('b', ['a'], `init(ctx) { ctx.services.get('mailr'); }`),
    ]);
    expect(report.error?.message).toContain(
      'service "mailr" was requested by module "b", but no module provided it (did you mean "mailer"?)',
    );
    expect(report.error?.message).toContain('provided: "mailer" (by a), "cache" (by a)');
  });

  it('a module that does not depend on the provider: names the provider and the missing deps entry', async () => {
    const report = await run([
      module('a', [], `init(ctx) { ctx.services.provide('mailer', {}); }`),
      module('b', [], `init(ctx) { ctx.services.get('mailer'); }`),
    ]);
    expect(report.error?.message).toMatch(
      /service "mailer" is provided by module "a", which module "b" does not depend on: add "a" to the deps of "b" \(.*b\/module\.mjs\)/,
    );
    expect(report.error?.message).toContain('No module had started, so none was stopped.');
  });

  it('refuses provide once the start phase began', async () => {
    const report = await run([module('a', [], `start(signal, ctx) { ctx.services.provide('late', 1); }`)]);
    expect(report.error?.message).toContain(
      'service "late" cannot be provided by module "a" now: services are provided in init (or preInit)',
    );
  });

  it('defineService makes a token that stands for its name', () => {
    const Mailer = defineService<{ send(to: string): void }>('mailer');
    expect(Mailer).toEqual({ name: 'mailer' });
    expect(Object.isFrozen(Mailer)).toBe(true);
    expect(() => defineService('')).toThrow(/non-empty string/);
  });
});
