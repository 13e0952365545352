import { describe, expect, it } from 'vitest';
import { postgresLockKeys, POSTGRES_BARRIER_KEY, POSTGRES_LOCK_KEY } from '../../src/db/lock-key.js';
import { EXIT_CODES, mostSevereExitCode, UsageError } from '../../src/errors.js';
import { resolveTargets } from '../../src/fleet/resolve-targets.js';
import { parseShard, shardOf } from '../../src/fleet/shard.js';
import { parseTargetsText } from '../../src/fleet/targets-file.js';

const resolve = (text: string, env: NodeJS.ProcessEnv = {}) =>
  resolveTargets(parseTargetsText(text, 't.txt'), { source: 'flag', baseDir: '/srv', env, from: 't.txt' });
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('targets file', () => {
  it('reads one target a line: comments, blank lines, trailing comments and schema=NAME', () => {
    const listed = parseTargetsText(
      '# tenants\n\npostgres://app@db/saas schema=tenant_1   # first\n  sqlite:./t2.db\r\n#postgres://off@db/x\n',
      'tenants.txt',
    );
    expect(listed).toEqual([
      { url: 'postgres://app@db/saas', schema: 'tenant_1', origin: 'tenants.txt:3' },
      { url: 'sqlite:./t2.db', origin: 'tenants.txt:4' },
    ]);
  });

  it('refuses extra words without echoing them (a password split by a blank would be printed)', () => {
    const problems = problemsOf(() => parseTargetsText('postgres://u:pa ss@db/x\n', 'f'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('f:1');
    expect(problems[0]).not.toContain('ss@db');
  });

  it('expands ${VAR}, gives a schema target its history schema and search_path, and labels it with the redacted URL', () => {
    const [t] = resolve('postgres://app:${PW}@db/saas schema=${T}\n', { PW: 's3cret', T: 'tenant_9' });
    expect(t!.target).toMatchObject({
      engine: 'postgres',
      url: 'postgres://app:s3cret@db/saas',
      schema: 'tenant_9',
      searchPath: '"tenant_9"',
      source: 'flag',
    });
    expect(t!.label).toBe('postgres://app:***@db/saas schema=tenant_9');
    expect(t!.origin).toBe('t.txt:1');
  });

  it('reports every problem at once: unset variable, bad URL (redacted), schema on SQLite, duplicates naming both lines', () => {
    const problems = problemsOf(() =>
      resolve(
        [
          'postgres://db/${NOPE}',
          'mongodb://u:topsecret@h/x',
          'sqlite:/srv/a.db schema=t1',
          'postgres://u@LOCALHOST/app schema=t1',
          'postgresql://u:pw@127.0.0.1:5432/app schema=t1',
          'sqlite:/srv/b.db',
          '/srv/b.db',
        ].join('\n'),
      ),
    );
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/t\.txt:1.*NOPE.*not set/);
    expect(problems[1]).toMatch(/^t\.txt:2: /);
    expect(problems.join('\n')).not.toContain('topsecret');
    expect(problems[2]).toMatch(/t\.txt:3: .*needs PostgreSQL/);
    expect(problems[3]).toMatch(
      /t\.txt:5: postgresql:\/\/u:\*\*\*@127\.0\.0\.1:5432\/app schema=t1 is the same target as t\.txt:4/,
    );
    expect(problems[4]).toMatch(/t\.txt:7: .* is the same target as t\.txt:6/);
  });

  it('one database with different schemas is different targets', () => {
    expect(resolve('postgres://u@db/app schema=a\npostgres://u@db/app schema=b\npostgres://u@db/app\n')).toHaveLength(
      3,
    );
  });

  it('an empty list is a usage error', () => {
    expect(problemsOf(() => resolve('# nobody yet\n\n'))[0]).toMatch(/lists no targets/);
  });
});

describe('--shard', () => {
  it('puts every target in exactly one shard, whatever the order, and keeps a target in its shard as the fleet grows', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `postgres://localhost:5432/app#tenant_${i}`);
    for (const n of [1, 2, 3, 7]) {
      const shards = keys.map((k) => shardOf(k, n));
      expect(shards.every((s) => s >= 1 && s <= n)).toBe(true);
      if (n > 1) expect(new Set(shards).size).toBe(n); // no shard left empty on 500 targets
      expect([...keys].reverse().map((k) => shardOf(k, n))).toEqual([...shards].reverse());
    }
  });

  it('parses I/N, 1-based', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    for (const bad of ['0/3', '4/3', '1/0', 'x', '1-3']) expect(() => parseShard(bad)).toThrow(/I\/N/);
  });
});

describe('exit code severity', () => {
  it('exits with the most severe code: interrupted > migration failed > validation > usage > unreachable > lock timeout > ok', () => {
    const { ok, interrupted, usage, validation, unreachable } = EXIT_CODES;
    expect(mostSevereExitCode([])).toBe(ok);
    expect(mostSevereExitCode([ok, ok])).toBe(ok);
    expect(mostSevereExitCode([EXIT_CODES['lock-timeout'], unreachable])).toBe(unreachable);
    expect(mostSevereExitCode([unreachable, usage, ok])).toBe(usage);
    expect(mostSevereExitCode([usage, validation])).toBe(validation);
    expect(mostSevereExitCode([validation, EXIT_CODES['migration-failed'], ok])).toBe(EXIT_CODES['migration-failed']);
    expect(mostSevereExitCode([EXIT_CODES['migration-failed'], interrupted])).toBe(interrupted);
  });
});

describe('PostgreSQL lock keys', () => {
  it('keeps the keys of a run on public, and gives every other history schema keys of its own', () => {
    expect(postgresLockKeys(undefined)).toEqual({ lock: POSTGRES_LOCK_KEY, barrier: POSTGRES_BARRIER_KEY });
    expect(postgresLockKeys('public')).toEqual({ lock: POSTGRES_LOCK_KEY, barrier: POSTGRES_BARRIER_KEY });
    const keys = Array.from({ length: 1000 }, (_, i) => postgresLockKeys(`tenant_${i}`));
    expect(new Set(keys.map((k) => k.lock)).size).toBe(1000);
    expect(new Set(keys.map((k) => k.barrier)).size).toBe(1000);
    for (const k of keys) expect(k.lock).not.toBe(k.barrier);
    expect(keys.every((k) => k.lock < 2n ** 63n)).toBe(true); // a signed bigint
  });
});
