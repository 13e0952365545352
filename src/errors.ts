/**
 * Every failure modkit reports is a {@link ModkitError} carrying a {@link ErrorKind}.
 * The kind is the one source of truth for the process exit code (SPEC §4, "Exit codes");
 * only `src/cli` turns it into the process's exit status.
 */

/** What went wrong, from the user's point of view. */
export type ErrorKind =
  | 'migration-failed' // a migration or a lifecycle hook failed
  | 'usage' // usage, config or module-definition error
  | 'lock-timeout' // lock not acquired within the lock timeout
  | 'validation' // drift, missing, dirty, out-of-order
  | 'unreachable' // database unreachable or authentication failed
  | 'interrupted'; // SIGINT/SIGTERM before completion

/** The documented exit code of each kind. */
export const EXIT_CODES: Readonly<Record<ErrorKind | 'ok', number>> = {
  ok: 0,
  'migration-failed': 1,
  usage: 2,
  'lock-timeout': 3,
  validation: 4,
  unreachable: 5,
  interrupted: 130,
};

/**
 * When one run has several outcomes (a fleet: one per target), the process exits with the most
 * severe of their codes, in this order, most severe first: the run was interrupted (what is left is
 * unknown), a migration failed (that target is behind and its migration needs a fix), validation
 * (drift, dirty, ...: a person must look), usage (a target the run cannot work with), unreachable
 * (infrastructure; retry), lock timeout (another run is on it; retry later). Any failure beats 0.
 */
export const EXIT_SEVERITY: readonly ErrorKind[] = [
  'interrupted',
  'migration-failed',
  'validation',
  'usage',
  'unreachable',
  'lock-timeout',
];

/** The most severe of `codes` by {@link EXIT_SEVERITY}; 0 when all are 0 (or there are none). */
export function mostSevereExitCode(codes: Iterable<number>): number {
  const rank = (code: number) => {
    if (code === EXIT_CODES.ok) return Number.POSITIVE_INFINITY;
    const i = EXIT_SEVERITY.findIndex((kind) => EXIT_CODES[kind] === code);
    return i === -1 ? EXIT_SEVERITY.length : i; // an unknown code still beats success
  };
  let worst: number = EXIT_CODES.ok;
  for (const code of codes) if (rank(code) < rank(worst)) worst = code;
  return worst;
}

export interface ModkitErrorOptions {
  readonly cause?: unknown;
  /** Extra machine-readable facts for `--json` (module, migration id, file, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class ModkitError extends Error {
  readonly kind: ErrorKind;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(kind: ErrorKind, message: string, options: ModkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModkitError';
    this.kind = kind;
    this.details = options.details ?? {};
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/**
 * A usage, config or module-definition error (exit 2). Lists every problem found at once; the list
 * starts on a line of its own (`error: 3 problems:` then one `- ` line each).
 */
export class UsageError extends ModkitError {
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[], options: ModkitErrorOptions = {}) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(
      'usage',
      list.length === 1 ? list[0]! : `${list.length} problems:\n${list.map((p) => `- ${p}`).join('\n')}`,
      options,
    );
    this.name = 'UsageError';
    this.problems = list;
  }
}

/** The exit code for any thrown value: ModkitErrors carry theirs, anything else is a failure. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ModkitError ? error.exitCode : EXIT_CODES['migration-failed'];
}

/** The text of anything thrown, for one-line reports. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.trim() || error.name;
  return String(error);
}
