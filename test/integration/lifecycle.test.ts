import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INSTANCE_ID, loadProject, runPipeline, type LifecycleEvent, type PipelineOptions } from '../../src/index.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';
import {
  recordingModule,
  resetRecorder,
  type LifecycleRecorder,
  type RecordingModule,
} from '../support/lifecycle-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

// Topological (lexicographically smallest): c, platform, a, audit, b.
// System-first: platform, audit, c, a, b. Stop (reverse topological): b, audit, a, platform, c.
const app: RecordingModule[] = [
  {
    name: 'platform',
    system: true,
    migrations: { '0001_settings.sql': 'CREATE TABLE settings (k VARCHAR(20) PRIMARY KEY, v TEXT);' },
  },
  { name: 'audit', system: true, deps: ['platform'] },
  {
    name: 'a',
    deps: ['platform'],
    migrations: { '0001_items.sql': 'CREATE TABLE items (id INTEGER PRIMARY KEY); INSERT INTO items VALUES (1), (2);' },
  },
  {
    name: 'b',
    deps: ['a'],
    init: `lc.facts.ctx = { name: ctx.name, config: ctx.config, instanceId: ctx.instanceId, aborted: ctx.signal.aborted };
           lc.facts.items = (await ctx.db('items').count({ n: '*' }))[0].n; lc.facts.signal = ctx.signal;`,
  },
  { name: 'c' },
];

describe.each(ENGINES)('lifecycle on %s', (engine) => {
  let target: TestTarget;
  let project: FixtureProject;
  let lc: LifecycleRecorder;
  beforeEach(() => {
    lc = resetRecorder();
  });
  afterEach(async () => {
    await target?.dispose();
    await project?.cleanup();
  });

  /** Runs the full pipeline; shuts down as soon as the runtime reports `running`, unless told otherwise. */
  const run = async (
    modules: RecordingModule[],
    config: Record<string, unknown> = {},
    options: Partial<PipelineOptions> = {},
  ) => {
    target = await createTarget(engine);
    project = await createFixtureProject(modules.map(recordingModule), config);
    const loaded = await loadProject({ configPath: project.configPath, databaseUrl: target.url });
    const controller = new AbortController();
    const events: LifecycleEvent[] = [];
    const report = await runPipeline(loaded, {
      mode: 'full',
      signal: controller.signal,
      onLifecycleEvent: (event) => {
        events.push(event);
        if (event.type === 'state' && event.state === 'running' && !event.module) controller.abort();
      },
      ...options,
    });
    const states = events.flatMap((e) => (e.type === 'state' && !e.module ? [e.state] : []));
    return { report, events, states };
  };

  it('runs every hook in its phase order, hands each module its ctx, and stops in reverse topological order', async () => {
    const { report, states } = await run(app, { modulesConfig: { b: { pageSize: 50 } } });
    expect(report.error).toBeUndefined();
    expect(lc.events).toEqual([
      'pre_init:platform',
      'pre_init:audit',
      'init:platform',
      'init:audit',
      'init:c',
      'init:a',
      'init:b',
      'post_init:platform',
      'post_init:audit',
      'start:platform',
      'start:audit',
      'start:c',
      'start:a',
      'start:b',
      'stop:b',
      'stop:audit',
      'stop:a',
      'stop:platform',
      'stop:c',
    ]);
    expect(lc.facts.ctx).toEqual({ name: 'b', config: { pageSize: 50 }, instanceId: INSTANCE_ID, aborted: false });
    expect(Number(lc.facts.items)).toBe(2);
    expect((lc.facts.signal as AbortSignal).aborted).toBe(true);
    expect(states).toEqual(['starting', 'running', 'draining', 'stopped']);
    expect(report.lifecycle).toMatchObject({
      outcome: 'stopped',
      started: ['platform', 'audit', 'c', 'a', 'b'],
      stopped: ['b', 'audit', 'a', 'platform', 'c'],
    });
  });

  it('migrate-only mode runs pre_init and db, and no lifecycle hook', async () => {
    target = await createTarget(engine);
    project = await createFixtureProject(app.map(recordingModule));
    const loaded = await loadProject({ configPath: project.configPath, databaseUrl: target.url });
    const report = await runPipeline(loaded, { mode: 'migrate-only' });
    expect(report.error).toBeUndefined();
    expect(report.lifecycle).toBeUndefined();
    expect(report.migration.result.results.map((r) => `${r.module}/${r.id}`)).toEqual([
      'platform/0001_settings',
      'a/0001_items',
    ]);
    expect(lc.events).toEqual(['pre_init:platform', 'pre_init:audit']);
  });

  it('a failing start stops the modules already started, in reverse order, and fails naming module and phase', async () => {
    const failing = app.map((m) => (m.name === 'c' ? { ...m, start: "throw new Error('port 80 is taken');" } : m));
    const { report, states } = await run(failing);
    expect(lc.events.filter((e) => e.startsWith('start:') || e.startsWith('stop:'))).toEqual([
      'start:platform',
      'start:audit',
      'start:c',
      'stop:audit',
      'stop:platform',
    ]);
    expect(report.lifecycle?.outcome).toBe('failed');
    expect(report.error?.exitCode).toBe(1);
    expect(report.error?.message).toContain('start(signal) of module "c" failed in the start phase');
    expect(report.error?.message).toContain('port 80 is taken');
    expect(report.error?.details).toMatchObject({ module: 'c', phase: 'start' });
    expect(states).toEqual(['starting', 'draining', 'failed']);
  });

  it('a failing init stops nothing (nothing started) and names the module', async () => {
    const failing = app.map((m) => (m.name === 'a' ? { ...m, init: "throw new Error('bad config');" } : m));
    const { report } = await run(failing);
    expect(lc.events.some((e) => e.startsWith('start:') || e.startsWith('stop:'))).toBe(false);
    expect(report.error?.details).toMatchObject({ module: 'a', phase: 'init' });
  });

  it('gives each module a fresh deadline, and a hanging stop is left behind while the next module still stops', async () => {
    const modules = app.map((m) => {
      if (m.name === 'b') return { ...m, stop: 'await new Promise(() => {});' }; // ignores its deadline for ever
      if (m.name === 'audit') return { ...m, stop: 'lc.facts.auditDeadlineAbortedAtCall = deadline.aborted;' };
      if (m.name === 'a')
        return {
          ...m,
          stop: "await new Promise((r) => deadline.addEventListener('abort', r)); lc.facts.aWaitedForItsDeadline = true;",
        };
      return m;
    });
    const { report } = await run(modules, { shutdownDeadlineMs: 150 });
    expect(lc.events.filter((e) => e.startsWith('stop:'))).toEqual([
      'stop:b',
      'stop:audit',
      'stop:a',
      'stop:platform',
      'stop:c',
    ]);
    // b used up its whole deadline and more: audit's deadline is its own, not already spent.
    expect(lc.facts.auditDeadlineAbortedAtCall).toBe(false);
    expect(lc.facts.aWaitedForItsDeadline).toBe(true);
    expect(report.lifecycle?.stopProblems).toEqual([expect.objectContaining({ module: 'b', status: 'timed-out' })]);
    expect(report.lifecycle?.stopped).toEqual(['b', 'audit', 'a', 'platform', 'c']);
    expect(report.error?.exitCode).toBe(1);
    expect(report.error?.message).toContain('stop(deadline) of module "b"');
  });

  it('a failing stop is reported and the next module still stops', async () => {
    const modules = app.map((m) => (m.name === 'a' ? { ...m, stop: "throw new Error('flush failed');" } : m));
    const { report } = await run(modules);
    expect(lc.events.filter((e) => e.startsWith('stop:'))).toEqual([
      'stop:b',
      'stop:audit',
      'stop:a',
      'stop:platform',
      'stop:c',
    ]);
    expect(report.lifecycle?.stopProblems).toEqual([
      expect.objectContaining({ module: 'a', status: 'failed', message: expect.stringContaining('flush failed') }),
    ]);
  });

  it('the watchdog ends a stop phase that overruns its bound', async () => {
    const modules = app.map((m) => (m.name === 'b' ? { ...m, stop: 'await new Promise(() => {});' } : m));
    const { report } = await run(modules, { shutdownDeadlineMs: 60_000 }, { stopTimeoutMs: 200 });
    expect(lc.events.filter((e) => e.startsWith('stop:'))).toEqual(['stop:b']);
    expect(report.lifecycle?.outcome).toBe('failed');
    expect(report.error?.exitCode).toBe(1);
    expect(report.error?.message).toContain('exceeded its bound of 200 ms');
    expect(report.error?.details).toMatchObject({
      watchdogFired: true,
      abandoned: ['b', 'audit', 'a', 'platform', 'c'],
    });
  });
});
