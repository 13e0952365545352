import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv, readEnvFile } from '../../src/config/env-file.js';
import { envFilesFor, variablesFromEnvFiles } from '../../src/config/env-files.js';

const dir = mkdtempSync(join(tmpdir(), 'modkit-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseEnv (dotenv rules)', () => {
  it('reads KEY=value lines, export, comments and the three quotes', () => {
    const { values, malformed } = parseEnv(
      [
        '# a comment',
        '',
        'MODKIT_DATABASE_URL=postgres://app:s3cret@127.0.0.1/shop',
        'export PORT = 3000  # inline comment',
        "SINGLE='a #not a comment \\n'",
        'DOUBLE="line one\\nline two"',
        'MULTI="first',
        'second"',
        'EMPTY=',
        'HASH=abc#def',
        'DUP=1',
        'DUP=2',
        'not a line',
      ].join('\n'),
    );
    expect(Object.fromEntries(values)).toEqual({
      MODKIT_DATABASE_URL: 'postgres://app:s3cret@127.0.0.1/shop',
      PORT: '3000',
      SINGLE: 'a #not a comment \\n',
      DOUBLE: 'line one\nline two',
      MULTI: 'first\nsecond',
      EMPTY: '',
      HASH: 'abc#def',
      DUP: '2',
    });
    expect(malformed).toEqual([{ line: 13, reason: 'it is not KEY=value', names: ['not', 'a', 'line'] }]);
  });

  it('a missing file is a usage error naming it', () => {
    expect(() => readEnvFile(join(dir, 'nope.env'))).toThrow(`env file ${join(dir, 'nope.env')} does not exist`);
  });
});

describe('env files under the environment (config/load-config.ts)', () => {
  const file = (name: string, values: Record<string, string>) => ({ file: name, values: new Map(Object.entries(values)), malformed: [] });

  it('a variable set in the environment wins; among files the later one wins', () => {
    const added = variablesFromEnvFiles({ A: 'from env', EMPTY: '' }, [file('.env', { A: 'file', B: 'first', EMPTY: 'file' }), file('other.env', { B: 'second', C: 'c' })]);
    expect(Object.fromEntries([...added].map(([k, v]) => [k, `${v.value} (${v.file})`]))).toEqual({ B: 'second (other.env)', C: 'c (other.env)' });
  });

  it('--env-file paths, else the .env beside the config when present', () => {
    mkdirSync(join(dir, 'app', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'app', 'modkit.config.mjs'), 'export default {};');
    expect(envFilesFor({ cwd: join(dir, 'app', 'sub') })).toEqual([]);
    writeFileSync(join(dir, 'app', '.env'), 'A=1');
    expect(envFilesFor({ cwd: join(dir, 'app', 'sub') })).toEqual([join(dir, 'app', '.env')]);
    expect(envFilesFor({ cwd: dir, configPath: 'app/modkit.config.mjs' })).toEqual([join(dir, 'app', '.env')]);
    expect(envFilesFor({ cwd: dir, envFiles: ['x.env', '/abs/y.env'] })).toEqual([join(dir, 'x.env'), '/abs/y.env']);
    expect(envFilesFor({ cwd: tmpdir() })).toEqual([]); // no config anywhere: nothing, and no error
  });
});
