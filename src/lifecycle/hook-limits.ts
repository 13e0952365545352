import type { ResolvedConfig } from '../config/types.js';
import type { HookTimeouts, LoadedModule } from '../modules/types.js';
import { hookTimeoutMs } from '../modules/validate-definition.js';

/**
 * How long one of a module's hooks may run, in ms (0: no limit): its own `timeouts.<hook>` when
 * set, else the config's `hookTimeoutMs` (startup hooks and reload), `healthTimeoutMs` (health)
 * or `shutdownDeadlineMs` (stop). One rule, used by every phase.
 */
export function hookLimitMs(config: ResolvedConfig, module: LoadedModule, hook: keyof HookTimeouts): number {
  const own = module.definition.timeouts?.[hook];
  if (own !== undefined) return hookTimeoutMs(own) ?? 0;
  if (hook === 'stop') return config.shutdownDeadlineMs;
  if (hook === 'health') return config.lifecycle.healthTimeoutMs;
  return config.lifecycle.hookTimeoutMs;
}

/** Where a limit came from, for messages: `timeouts.init` or the config key. */
export function hookLimitSource(module: LoadedModule, hook: keyof HookTimeouts): string {
  if (module.definition.timeouts?.[hook] !== undefined) return `timeouts.${hook} of module "${module.name}"`;
  return hook === 'stop' ? 'shutdownDeadlineMs' : hook === 'health' ? 'healthTimeoutMs' : 'hookTimeoutMs';
}
