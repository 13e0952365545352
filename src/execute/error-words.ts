import { scrubSecret } from '../db/connection-errors.js';
import { messageOf } from '../errors.js';
import type { Direction } from '../modules/load-body.js';

/** How the failure paragraphs of a run (migration-error.ts, history-errors.ts) put things. */

/** The database's message without secrets, and its SQLSTATE or driver code. */
export function databaseWords(cause: unknown, url: string): { message: string; code?: string } {
  const code = (cause as { code?: unknown })?.code;
  const message = scrubSecret(messageOf(cause), url);
  return typeof code === 'string' ? { message, code } : { message };
}

export function withCode(message: string, code: string | undefined): string {
  return code ? `${message} [${code}]` : message;
}

/** `100 ms`, `1 s`, `1.5 s`: a timeout as people say it. */
export function durationWords(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(3))} s`;
}

/** The two ways out of a dirty module, in one instruction. */
export function dirtyAdvice(module: string, direction: Direction): string {
  return direction === 'up'
    ? `\`modkit repair --module ${module} --retry\` if you undid its work (migrate then runs it again, so fix the file first), or \`modkit repair --module ${module}\` if you completed it by hand (it is then recorded as applied)`
    : `\`modkit repair --module ${module} --retry\` if you completed the undo by hand (the migration is then pending again), or \`modkit repair --module ${module}\` if you restored what it removed (it is then applied again)`;
}
