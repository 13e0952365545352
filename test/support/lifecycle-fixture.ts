import type { FixtureModule } from './project-fixture.js';

/**
 * What recording modules write to while the pipeline runs in the test's own process: fixture
 * module files are plain `.mjs` loaded by `import()`, so they share `globalThis` with the test.
 */
export interface LifecycleRecorder {
  /** `phase:module` entries, in call order. */
  events: string[];
  /** Free-form facts modules report (ctx fields, query results, deadline states). */
  facts: Record<string, unknown>;
  /** Optional test callbacks a hook may await, by name. */
  hooks: Record<string, (...args: unknown[]) => unknown>;
}

/** Resets and returns the recorder for one test. */
export function resetRecorder(): LifecycleRecorder {
  const recorder: LifecycleRecorder = { events: [], facts: {}, hooks: {} };
  (globalThis as { __lc?: LifecycleRecorder }).__lc = recorder;
  return recorder;
}

export interface RecordingModule {
  readonly name: string;
  readonly deps?: readonly string[];
  readonly system?: boolean;
  readonly migrations?: Readonly<Record<string, string>>;
  /** Extra statements run inside a hook after it records itself (JS source; `lc` is the recorder). */
  readonly init?: string;
  readonly start?: string;
  readonly stop?: string;
  /** A whole `run(signal)` method and `restart` property, as JS source. */
  readonly extra?: string;
}

/**
 * A fixture module whose every hook records `phase:name` in the recorder, then runs the extra
 * statements given for it. The hooks read the recorder at call time, so one file works across tests.
 */
export function recordingModule(spec: RecordingModule): FixtureModule {
  const system = spec.system === true;
  const hook = (phase: string, signature: string, extra = '') =>
    `async ${signature} { const lc = globalThis.__lc; lc.events.push('${phase}:${spec.name}'); ${extra} },`;
  const source = `export default {
  name: ${JSON.stringify(spec.name)},
  deps: ${JSON.stringify(spec.deps ?? [])},
  system: ${system},
  ${spec.migrations && Object.keys(spec.migrations).length > 0 ? "migrations: './migrations'," : ''}
  ${system ? hook('pre_init', 'preInit(sys)') : ''}
  ${hook('init', 'init(ctx)', spec.init)}
  ${system ? hook('post_init', 'postInit(sys)') : ''}
  ${hook('start', 'start(signal)', spec.start)}
  ${hook('stop', 'stop(deadline)', spec.stop)}
  ${spec.extra ?? ''}
};
`;
  return { name: spec.name, source, ...(spec.migrations ? { migrations: spec.migrations } : {}) };
}
