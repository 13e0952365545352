import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

/** `--shard I/N`: this run migrates shard I (1-based) of N. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `I/N` (1 ≤ I ≤ N). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(
      `--shard takes I/N with 1 <= I <= N (shard I of N), got "${text}"; for a Kubernetes Indexed Job use $((JOB_COMPLETION_INDEX + 1))/N`,
    );
  }
  return { index, count };
}

/**
 * The shard (1-based) a target belongs to among `count`: its normalized key (canonical database and
 * schema) hashed with SHA-256, modulo `count`. It depends on nothing but the key and `count`, so it
 * is the same on every machine, whatever the order of the list, and a target keeps its shard when
 * others are added or removed. Every target is in exactly one shard.
 */
export function shardOf(key: string, count: number): number {
  const digest = createHash('sha256').update(key).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}
