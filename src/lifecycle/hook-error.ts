import { messageOf, ModkitError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import type { HookPhase } from './types.js';

const HOOK_NAMES: Readonly<Record<HookPhase, string>> = {
  pre_init: 'preInit(sys)',
  init: 'init(ctx)',
  post_init: 'postInit(sys)',
  start: 'start(signal)',
  run: 'run(signal)',
  stop: 'stop(deadline)',
};


/**
 * Exit 1: a module's hook failed. One paragraph naming the module, the phase and the file, what
 * the runtime did about it, and what to do next.
 */
export function hookError(module: LoadedModule, phase: HookPhase, error: unknown, extra = ''): ModkitError {
  return new ModkitError(
    'migration-failed',
    `${HOOK_NAMES[phase]} of module "${module.name}" failed in the ${phase} phase (${module.file}): ${messageOf(error)}. ` +
      `${extra}${aftermath(phase)} Fix the hook and run again (--verbose shows the stack).`,
    { cause: error, details: { module: module.name, phase, file: module.file } },
  );
}

/** Exit 130: a signal arrived before the application was running; what had started was stopped. */
export function interruptedBeforeRunning(phase: HookPhase): ModkitError {
  return new ModkitError('interrupted', `interrupted by a signal during the ${phase} phase. ${aftermath(phase)}`, {
    details: { phase },
  });
}

function aftermath(phase: HookPhase): string {
  return phase === 'pre_init' ? 'Nothing was migrated or started.' : 'Modules already started were stopped in reverse order.';
}
