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

/**
 * Exit 130: a signal arrived before the application was running; what had started was stopped.
 * `leftBehind` names a hook that did not return within its bound after the signal.
 */
export function interruptedBeforeRunning(phase: HookPhase, leftBehind?: { readonly module: LoadedModule; readonly boundMs: number }): ModkitError {
  const hook = leftBehind
    ? `${HOOK_NAMES[phase]} of module "${leftBehind.module.name}" (${leftBehind.module.file}) did not return within ${leftBehind.boundMs} ms ` +
      'of the signal (shutdownDeadlineMs plus grace) and was left behind; it was not stopped, as it never finished starting. ' +
      'Make the hook return (or throw) once its signal aborts. '
    : '';
  return new ModkitError('interrupted', `interrupted by a signal during the ${phase} phase. ${hook}${aftermath(phase)}`, {
    details: { phase, ...(leftBehind ? { module: leftBehind.module.name, file: leftBehind.module.file, leftBehind: true } : {}) },
  });
}

/** What a stalled run's pending hook or migration did (see {@link stalledError}). */
export const STALL_EXPLANATION =
  'returned a promise that can never settle: the event loop had nothing left to run (no timer, socket, server or ' +
  'child process), so nothing could resolve or reject it (a Promise whose resolve is never called?)';

/**
 * The reason the CLI aborts a run with when Node's event loop ran dry while modkit still awaited a
 * promise: nothing is left that could ever settle it, and Node would have exited on its own
 * (code 13, no message). The hook pending then fails with this text.
 */
export function stalledError(): ModkitError {
  return new ModkitError('migration-failed', `it ${STALL_EXPLANATION}`, { details: { stalled: true } });
}

function aftermath(phase: HookPhase): string {
  return phase === 'pre_init' ? 'Nothing was migrated or started.' : 'Modules already started were stopped in reverse order.';
}
