import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProject, runPipeline, type LifecycleEvent } from '../../src/index.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';
import {
  recordingModule,
  resetRecorder,
  type LifecycleRecorder,
  type RecordingModule,
} from '../support/lifecycle-fixture.js';
import { createFixtureProject, type FixtureProject } from '../support/project-fixture.js';

/** A `run` task that counts its attempts and fails until attempt `failUntil`, then waits for shutdown. */
const worker = (restart: string, failUntil: number): RecordingModule => ({
  name: 'worker',
  deps: ['core'],
  extra: `restart: ${restart},
  async run(signal) {
    const lc = globalThis.__lc;
    lc.facts.attempts = (lc.facts.attempts ?? 0) + 1;
    await lc.hooks.onRun?.(lc.facts.attempts);
    if (lc.facts.attempts <= ${failUntil}) throw new Error('queue unreachable (attempt ' + lc.facts.attempts + ')');
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    lc.events.push('run-ended:worker');
  },`,
});
const core: RecordingModule = {
  name: 'core',
  system: true,
  migrations: { '0001_jobs.sql': 'CREATE TABLE jobs (id INTEGER PRIMARY KEY);' },
};

describe.each(ENGINES)('supervised run tasks on %s', (engine) => {
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

  const run = async (modules: RecordingModule[], signal?: AbortSignal) => {
    target = await createTarget(engine);
    project = await createFixtureProject(modules.map(recordingModule));
    const loaded = await loadProject({ configPath: project.configPath, databaseUrl: target.url });
    const events: LifecycleEvent[] = [];
    const report = await runPipeline(loaded, {
      mode: 'full',
      ...(signal ? { signal } : {}),
      onLifecycleEvent: (e) => void events.push(e),
    });
    return { report, events };
  };

  it("restarts a failed task under 'on-failure' with backoff, then shuts down gracefully on the signal", async () => {
    const controller = new AbortController();
    lc.hooks.onRun = (attempt) => {
      if (attempt === 3) setImmediate(() => controller.abort());
    };
    const { report, events } = await run(
      [core, worker("{ policy: 'on-failure', maxAttempts: 3, backoffMs: 5 }", 2)],
      controller.signal,
    );
    expect(report.error).toBeUndefined();
    expect(lc.facts.attempts).toBe(3);
    const restarts = events.flatMap((e) => (e.type === 'task-restart' ? [[e.attempt, e.delayMs]] : []));
    expect(restarts).toEqual([
      [1, 5],
      [2, 10],
    ]);
    // The task ends on the shutdown signal before its module's stop runs.
    expect(lc.events.slice(-3)).toEqual(['run-ended:worker', 'stop:worker', 'stop:core']);
  });

  it('a task that fails for good shuts the application down with exit 1 naming the module and the run phase', async () => {
    const { report, events } = await run([core, worker("{ policy: 'on-failure', maxAttempts: 2, backoffMs: 1 }", 99)]);
    expect(lc.facts.attempts).toBe(3);
    expect(report.lifecycle?.outcome).toBe('failed');
    expect(report.error?.exitCode).toBe(1);
    expect(report.error?.details).toMatchObject({ module: 'worker', phase: 'run' });
    expect(report.error?.message).toContain('queue unreachable (attempt 3)');
    expect(report.error?.message).toContain('at most 2 restarts');
    expect(lc.events.filter((e) => e.startsWith('stop:'))).toEqual(['stop:worker', 'stop:core']);
    const states = events.flatMap((e) => (e.type === 'state' && !e.module ? [e.state] : []));
    expect(states).toEqual(['starting', 'running', 'draining', 'failed']);
  });

  it("restart 'always' starts a task again after it returns, with backoff", async () => {
    const controller = new AbortController();
    const always: RecordingModule = {
      name: 'poller',
      deps: ['core'],
      extra: `restart: { policy: 'always', maxAttempts: 5, backoffMs: 1 },
  async run(signal, ctx) {
    const lc = globalThis.__lc;
    lc.facts.runs = (lc.facts.runs ?? 0) + 1;
    lc.facts.ctxName = ctx.name;
    if (lc.facts.runs === 3) await lc.hooks.third();
  },`,
    };
    lc.hooks.third = () => controller.abort();
    const { report, events } = await run([core, always], controller.signal);
    expect(report.error).toBeUndefined();
    expect(lc.facts).toMatchObject({ runs: 3, ctxName: 'poller' });
    const restarts = events.flatMap((e) => (e.type === 'task-restart' ? [{ attempt: e.attempt, error: e.error }] : []));
    expect(restarts).toEqual([
      { attempt: 1, error: undefined },
      { attempt: 2, error: undefined },
    ]);
  });

  it('a task that overruns its shutdown budget does not eat its module stop budget: stop gets a fresh deadline', async () => {
    const controller = new AbortController();
    const stubborn: RecordingModule = {
      name: 'stubborn',
      deps: ['core'],
      stop: 'lc.facts.deadlineAbortedAtStop = deadline.aborted;',
      extra: `async run() { await new Promise(() => setInterval(() => {}, 1000)); },`,
    };
    target = await createTarget(engine);
    project = await createFixtureProject([core, stubborn].map(recordingModule), { shutdownDeadlineMs: 100 });
    const loaded = await loadProject({ configPath: project.configPath, databaseUrl: target.url });
    const report = await runPipeline(loaded, {
      mode: 'full',
      signal: controller.signal,
      onLifecycleEvent: (e) => {
        if (e.type === 'state' && e.state === 'running' && !e.module) controller.abort();
      },
    });
    expect(report.error).toBeUndefined();
    expect(lc.events).toContain('stop:stubborn');
    expect(lc.facts.deadlineAbortedAtStop).toBe(false);
  });

  it("with restart 'never' (the default) the first failure shuts the application down", async () => {
    const { report } = await run([core, worker("'never'", 99)]);
    expect(lc.facts.attempts).toBe(1);
    expect(report.error?.message).toContain("restart policy is 'never'");
  });
});
