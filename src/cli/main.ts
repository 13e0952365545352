import { CommanderError } from 'commander';
import { EXIT_CODES, exitCodeOf, ModkitError } from '../errors.js';
import { STALL_EXPLANATION, stalledError } from '../lifecycle/hook-error.js';
import { guardUnexpectedExit } from './exit-guard.js';
import { watchLateErrors } from './late-errors.js';
import { divertStdoutToStderr, stdoutForDocument } from './json-stdout.js';
import { errorJson, Output } from './output.js';
import { buildProgram } from './program.js';
import { watchLauncher } from './watch-launcher.js';

/**
 * The CLI entry point and the only place that exits. The first SIGINT/SIGTERM aborts the run
 * (the running migration is cancelled and rolled back, the lock released, exit 130); a second
 * one exits at once. The package runner that started modkit (npx, npm start) exiting counts as the
 * first signal (watch-launcher.ts).
 */
export async function main(argv: readonly string[] = process.argv): Promise<never> {
  const exitingOnPurpose = guardUnexpectedExit({ json: argv.includes('--json'), command: () => commandName(argv) });
  const json = argv.includes('--json');
  // Before any user code loads: under --json, stdout is the document's alone (see json-stdout.ts).
  if (json) divertStdoutToStderr();
  let output = new Output({ json, verbose: argv.includes('--verbose') });
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      output.flush();
      exitingOnPurpose();
      process.exit(EXIT_CODES.interrupted);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  watchLauncher((what) => {
    if (controller.signal.aborted) return;
    output.warn(`${what}; stopping as on SIGTERM`);
    controller.abort();
  });
  // Output can go away with the process that read it; stopping the modules must still happen.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  let exitCode: number = EXIT_CODES.ok;
  let signalHandled = false;
  // Node empties its event loop while main() still awaits: a hook or a migration script returned
  // a promise that nothing can settle any more. Node would exit with code 13 and no word. Abort
  // the run with a reason instead, so the pending hook fails by name and what started is stopped
  // (exit 1); if even that wakes nothing, say so and exit 1.
  let stalled = false;
  process.on('beforeExit', () => {
    if (!stalled) {
      stalled = true;
      if (!controller.signal.aborted) {
        controller.abort(stalledError());
        return;
      }
    }
    const error = new ModkitError(
      'migration-failed',
      `the run stalled: a hook or migration ${STALL_EXPLANATION}. Nothing more can happen, so modkit exits.`,
    );
    output.error(error);
    output.document(commandName(argv), EXIT_CODES['migration-failed'], { error: errorJson(error) });
    exitingOnPurpose();
    process.exit(EXIT_CODES['migration-failed']);
  });

  // A migration's late error (its timer throws after up() resolved) fails the run, naming it.
  let lateFailure: ModkitError | undefined;
  watchLateErrors(
    (error) => {
      lateFailure ??= error;
      if (!controller.signal.aborted) controller.abort(error);
    },
    () => output.flush(),
  );

  const program = buildProgram({
    signal: controller.signal,
    done: (code, _output, handled = false) => {
      exitCode = code;
      signalHandled = handled;
    },
    setOutput: (o) => {
      output = o;
    },
  });
  try {
    await program.parseAsync([...argv]);
    if (lateFailure && exitCode === EXIT_CODES.ok) {
      output.error(lateFailure);
      exitCode = lateFailure.exitCode;
    }
    if (controller.signal.aborted && exitCode === EXIT_CODES.ok && !signalHandled) exitCode = EXIT_CODES.interrupted;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; every usage error is exit 2. commander has
      // printed its message; under --json the one document still says what went wrong.
      exitCode = error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
      if (exitCode !== EXIT_CODES.ok) {
        output.document(commandName(argv), exitCode, {
          error: { kind: 'usage', message: error.message.replace(/^error: /, '') },
        });
      }
    } else {
      exitCode = controller.signal.aborted && !stalled ? EXIT_CODES.interrupted : exitCodeOf(error);
      output.error(error);
      output.document(program.args[0] ?? 'modkit', exitCode, { error: errorJson(error) });
    }
  }
  if (stalled && exitCode === EXIT_CODES.interrupted) {
    // The db phase unwound as for a signal (what committed stays, the running migration rolled back) and said so.
    exitCode = EXIT_CODES['migration-failed'];
    output.error(
      `no signal came: the run stalled and modkit stopped it itself. The migration or hook named above ${STALL_EXPLANATION}.`,
    );
  }
  output.flush();
  await flush(stdoutForDocument());
  await flush(process.stderr);
  exitingOnPurpose();
  process.exit(exitCode);
}

/** The command a usage error belongs to: the first word that is not an option. */
function commandName(argv: readonly string[]): string {
  return argv.slice(2).find((a) => !a.startsWith('-')) ?? 'modkit';
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => (stream.writableLength === 0 ? resolve() : stream.write('', () => resolve())));
}
