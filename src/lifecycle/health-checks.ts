import { messageOf } from '../errors.js';
import type { HealthResult } from '../modules/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { stopwatch } from '../util/stopwatch.js';
import { hookLimitMs, hookLimitSource } from './hook-limits.js';
import type { ModuleHandle } from './module-context.js';
import type { LifecycleSink } from './types.js';

/** One module's answer to a health check. */
export interface HealthVerdict {
  readonly module: string;
  readonly ok: boolean;
  readonly detail?: string;
}

/**
 * Asks modules' `health(ctx)`, each call bounded by its time limit (`healthTimeoutMs`, or the
 * module's `timeouts.health`; past it: unhealthy). Probes that arrive together share one call per
 * module, and a module whose previous call has not returned yet is not called again (it is
 * unhealthy until it does): a hung health check costs one pending call, not one per probe.
 */
export class HealthChecker {
  /** Calls in progress, by module: the bounded answer probes wait for. */
  private readonly inflight = new Map<string, Promise<HealthVerdict>>();
  /** Calls that overran their limit and have not returned yet, by module: since when. */
  private readonly overdue = new Map<string, number>();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly emit: LifecycleSink,
  ) {}

  /** The verdicts of `handles` that define `health`, asked at once. */
  check(handles: readonly ModuleHandle[]): Promise<HealthVerdict[]> {
    return Promise.all(handles.filter((h) => h.module.definition.health).map((h) => this.checkOne(h)));
  }

  private checkOne(handle: ModuleHandle): Promise<HealthVerdict> {
    const name = handle.module.name;
    const since = this.overdue.get(name);
    if (since !== undefined) {
      const detail = `its previous health(ctx) call has not returned (for ${Date.now() - since} ms)`;
      return Promise.resolve({ module: name, ok: false, detail });
    }
    let verdict = this.inflight.get(name);
    if (!verdict) {
      verdict = this.ask(handle).finally(() => this.inflight.delete(name));
      this.inflight.set(name, verdict);
    }
    return verdict;
  }

  private async ask(handle: ModuleHandle): Promise<HealthVerdict> {
    const { module } = handle;
    const limitMs = hookLimitMs(this.config, module, 'health');
    const elapsed = stopwatch();
    const call = Promise.resolve().then(() => module.definition.health!.call(module.definition, handle.ctx));
    let timer: NodeJS.Timeout | undefined;
    const overran = new Promise<'overran'>((resolve) => {
      if (limitMs > 0) timer = setTimeout(() => resolve('overran'), limitMs);
    });
    let verdict: HealthVerdict;
    try {
      const answered = call.then(readAnswer, (error: unknown) => ({ ok: false, detail: messageOf(error) }));
      const answer = await Promise.race([answered, overran]);
      if (answer === 'overran') {
        const started = Date.now() - elapsed();
        this.overdue.set(module.name, started);
        call.finally(() => this.overdue.delete(module.name)).catch(() => undefined);
        const detail = `did not answer within ${limitMs} ms (${hookLimitSource(module, 'health')})`;
        verdict = { module: module.name, ok: false, detail };
      } else {
        verdict = { module: module.name, ...answer };
      }
    } finally {
      clearTimeout(timer);
    }
    const detail = verdict.detail ? { detail: verdict.detail } : {};
    this.emit({ type: 'health', module: module.name, ok: verdict.ok, ...detail, durationMs: elapsed() });
    return verdict;
  }
}

/**
 * `true`, `false` or `{ ok, detail }`; a check that returns nothing (it did not throw) is healthy,
 * anything else is unhealthy, described by its type only (a body never echoes a module's values).
 */
function readAnswer(value: unknown): { ok: boolean; detail?: string } {
  if (value === true || value === undefined) return { ok: true };
  if (value === false) return { ok: false, detail: 'health(ctx) returned false' };
  if (value !== null && typeof value === 'object' && typeof (value as HealthResult & object).ok === 'boolean') {
    const { ok, detail } = value as { ok: boolean; detail?: unknown };
    return detail === undefined ? { ok } : { ok, detail: String(detail) };
  }
  const what =
    value === null ? 'null' : typeof value === 'object' ? 'an object without a boolean "ok"' : `a ${typeof value}`;
  return { ok: false, detail: `health(ctx) returned ${what}, not true, false or { ok, detail }` };
}
