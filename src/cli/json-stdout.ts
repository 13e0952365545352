/**
 * Under `--json`, stdout carries exactly one JSON document, which CI pipelines parse. User code
 * runs inside the CLI's process (a `preInit` hook has no logger, so `console.log` is what people
 * use; a module file or a migration may print too), so while a `--json` command runs everything
 * written through `process.stdout` (console.log included) goes to stderr, and only the document
 * reaches stdout. CLI only: the library never touches process.stdout.
 *
 * (Output written to file descriptor 1 directly, `fs.writeSync(1, …)` or a child process that
 * inherits stdout, bypasses `process.stdout` and cannot be diverted from here.)
 */
let documentStream: NodeJS.WriteStream | undefined;

export function divertStdoutToStderr(): void {
  if (documentStream) return;
  const stdout = process.stdout;
  const write = stdout.write;
  // The document's own writer: the stream as it was, with its original write.
  documentStream = Object.create(stdout, { write: { value: write.bind(stdout) } }) as NodeJS.WriteStream;
  stdout.write = function divertedWrite(this: unknown, ...args: unknown[]): boolean {
    return (process.stderr.write as (...a: unknown[]) => boolean)(...args);
  } as typeof stdout.write;
}

/** Where the JSON document (and any human output when not diverted) goes: the real stdout. */
export function stdoutForDocument(): NodeJS.WriteStream {
  return documentStream ?? process.stdout;
}
