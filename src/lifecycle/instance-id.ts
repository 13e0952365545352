import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors.js';

/** This process's instance id when none is set: one UUID per process (SPEC §2.2 `instanceId`). */
export const INSTANCE_ID = randomUUID();

/** The environment variable that sets the instance id (an option or `--instance-id` wins over it). */
export const INSTANCE_ID_ENV = 'MODKIT_INSTANCE_ID';

/**
 * The instance id of a run: the one given (`--instance-id`, the library's `instanceId`), else
 * `MODKIT_INSTANCE_ID`, else {@link INSTANCE_ID}. A pod name or a UUID; it is printed and put in
 * `/status`, so it may hold no spaces or control characters (exit 2). The Rust runtime's own
 * out-of-process modules parse it as a UUID.
 */
export function resolveInstanceId(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const [value, source] = given !== undefined ? [given, 'the instance id'] : [env[INSTANCE_ID_ENV], INSTANCE_ID_ENV];
  if (value === undefined) return INSTANCE_ID;
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
    const what = 'must be 1 to 128 printable characters without spaces (a UUID or a pod name)';
    throw new UsageError(`${source} ${what}, got ${JSON.stringify(value)}`);
  }
  return value;
}
