import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProject, ModkitError, runPipeline, type LifecycleEvent } from '../../src/index.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';
import {
  recordingModule,
  resetRecorder,
  type LifecycleRecorder,
  type RecordingModule,
} from '../support/lifecycle-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

// System-first and topological: platform, a, b. Stop: b, a, platform.
const app: RecordingModule[] = [
  {
    name: 'platform',
    system: true,
    migrations: { '0001_settings.sql': 'CREATE TABLE settings (k VARCHAR(20) PRIMARY KEY);' },
  },
  { name: 'a', deps: ['platform'] },
  { name: 'b', deps: ['a'] },
];

/** Issue 11, item 4, in the library: a startup hook pending when shutdown begins is bounded. */
describe.each(ENGINES)('startup bounds on %s', (engine) => {
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

  /** Runs the pipeline; b's start (`bStart`) calls `lc.hooks.pending()`, where the test aborts the run as it likes. */
  const run = async (bStart: string, abort: (controller: AbortController) => void) => {
    target = await createTarget(engine);
    const modules = app.map((m) => (m.name === 'b' ? { ...m, start: bStart } : m));
    project = await createFixtureProject(modules.map(recordingModule), { shutdownDeadlineMs: 50 });
    const loaded = await loadProject({ configPath: project.configPath, databaseUrl: target.url });
    const controller = new AbortController();
    lc.hooks.pending = () => abort(controller);
    const events: LifecycleEvent[] = [];
    const report = await runPipeline(loaded, {
      mode: 'full',
      signal: controller.signal,
      onLifecycleEvent: (e) => events.push(e),
    });
    return { report, events };
  };

  it('a start that ignores its signal is left behind after its bound; the modules started before it stop in reverse order', async () => {
    const { report, events } = await run('lc.hooks.pending(); await new Promise(() => {});', (c) => c.abort());
    expect(lc.events.filter((e) => e.startsWith('start:') || e.startsWith('stop:'))).toEqual([
      'start:platform',
      'start:a',
      'start:b',
      'stop:a',
      'stop:platform',
    ]);
    expect(report.lifecycle).toMatchObject({
      outcome: 'interrupted',
      started: ['platform', 'a'],
      stopped: ['a', 'platform'],
    });
    expect(report.error?.exitCode).toBe(130);
    expect(report.error?.details).toMatchObject({ phase: 'start', module: 'b', leftBehind: true });
    expect(events).toContainEqual({ type: 'deadline', phase: 'start', ms: 100 });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'hook', module: 'b', phase: 'start', status: 'timed-out' }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'deadline', phase: 'stop' }));
  });

  it('a start that returns within its bound after the signal counts as started and is stopped too', async () => {
    const { report } = await run(
      "await new Promise((r) => { signal.addEventListener('abort', r); lc.hooks.pending(); });",
      (c) => c.abort(),
    );
    expect(report.lifecycle).toMatchObject({
      outcome: 'interrupted',
      started: ['platform', 'a', 'b'],
      stopped: ['b', 'a', 'platform'],
    });
    expect(report.error?.exitCode).toBe(130);
  });

  it('a start that rejects because its signal aborted is interrupted (130), not failed', async () => {
    const { report } = await run(
      "await new Promise((_, reject) => { signal.addEventListener('abort', () => reject(new Error('aborted'))); lc.hooks.pending(); });",
      (c) => c.abort(),
    );
    expect(report.lifecycle?.outcome).toBe('interrupted');
    expect(report.error?.exitCode).toBe(130);
    expect(report.lifecycle?.stopped).toEqual(['a', 'platform']);
  });

  it('an abort whose reason is a ModkitError gives the pending hook up at once and fails with that reason (exit 1)', async () => {
    const { report } = await run('lc.hooks.pending(); await new Promise(() => {});', (c) =>
      c.abort(new ModkitError('migration-failed', 'it never settles')),
    );
    expect(report.lifecycle?.outcome).toBe('failed');
    expect(report.error?.exitCode).toBe(1);
    expect(report.error?.message).toContain('start(signal) of module "b" failed in the start phase');
    expect(report.error?.message).toContain('it never settles');
    expect(report.lifecycle?.stopped).toEqual(['a', 'platform']);
  });
});
