import { messageOf, ModkitError } from '../errors.js';
import type { LoadedModule } from '../modules/types.js';
import type { HookPhase } from './types.js';

const HOOK_NAMES: Readonly<Record<HookPhase, string>> = {
  pre_init: 'preInit(sys)',
  init: 'init(ctx)',
  post_init: 'postInit(sys)',
  start: 'start(signal)',
  spawn: 'process',
  run: 'run(signal)',
  stop: 'stop(deadline)',
  reload: 'reload(ctx)',
};

/** The hook of a phase as a module defines it, for messages: `init(ctx)`. */
export function hookName(phase: HookPhase): string {
  return HOOK_NAMES[phase];
}

const FIX_THE_HOOK = 'Fix the hook and run again (--verbose shows the stack).';

/**
 * Exit 1: a module's hook failed. One paragraph naming the module, the phase and the file, and what
 * to do next. What the runtime did about it (which modules it stopped) is added once it is known
 * ({@link withAftermath}); a failing preInit stopped nothing, and says so now.
 */
export function hookError(module: LoadedModule, phase: HookPhase, error: unknown, extra = ''): ModkitError {
  const aftermath = phase === 'pre_init' ? 'Nothing was migrated or started. ' : '';
  return new ModkitError(
    'migration-failed',
    `${HOOK_NAMES[phase]} of module "${module.name}" failed in the ${phase} phase (${module.file}): ` +
      `${messageOf(error)}. ` +
      `${extra}${aftermath}${FIX_THE_HOOK}`,
    { cause: error, details: { module: module.name, phase, file: module.file, advice: FIX_THE_HOOK } },
  );
}

/** Why a hook that ran past its time limit failed: the limit and where it comes from. */
export function overLimitMessage(limitMs: number, source: string): string {
  return `it did not return within its time limit of ${limitMs} ms (${source}) and was left behind, still running`;
}

/**
 * Exit 130: a signal arrived before the application was running. `leftBehind` names a hook that
 * did not return within its bound after the signal. What was stopped is added by {@link withAftermath}.
 */
export function interruptedBeforeRunning(
  phase: HookPhase,
  leftBehind?: { readonly module: LoadedModule; readonly boundMs: number },
): ModkitError {
  const hook = leftBehind
    ? `${HOOK_NAMES[phase]} of module "${leftBehind.module.name}" (${leftBehind.module.file}) did not return within ` +
      `${leftBehind.boundMs} ms of the signal (shutdownDeadlineMs plus grace) and was left behind; ` +
      'it was not stopped, as it never finished starting. '
    : '';
  const advice = leftBehind ? 'Make the hook return (or throw) once its signal aborts.' : '';
  const aftermath = phase === 'pre_init' ? 'Nothing was migrated or started. ' : '';
  const where = leftBehind ? { module: leftBehind.module.name, file: leftBehind.module.file, leftBehind: true } : {};
  const message = `interrupted by a signal during the ${phase} phase. ${hook}${aftermath}${advice}`.trim();
  return new ModkitError('interrupted', message, { details: { phase, advice, ...where } });
}

/**
 * The error of a run that stopped before or after running, with what its stop phase did: which
 * modules had started and were stopped, in order, or that none had started. Goes before the
 * error's advice, so the paragraph ends with what to do.
 */
export function withAftermath(
  error: ModkitError,
  started: readonly string[],
  stoppedCleanly: readonly string[],
): ModkitError {
  const sentence =
    started.length === 0
      ? 'No module had started, so none was stopped.'
      : stoppedCleanly.length === started.length
        ? `The modules already started were stopped in reverse order: ${stoppedCleanly.join(', ')}.`
        : `Of the modules already started (${started.join(', ')}), these stopped cleanly: ` +
          `${stoppedCleanly.join(', ') || 'none'} (the others' stop failed or overran: see the warnings above).`;
  const advice = typeof error.details.advice === 'string' ? error.details.advice : '';
  const { message } = error;
  const head = advice && message.endsWith(advice) ? message.slice(0, -advice.length).trimEnd() : message;
  return new ModkitError(error.kind, `${head} ${sentence}${advice ? ` ${advice}` : ''}`, {
    cause: error.cause,
    details: { ...error.details, started, stopped: stoppedCleanly },
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
