import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEnv, parseEnv, readEnvFile } from '../../src/config/env-file.js';
import { envFilesFor, judgeMalformedLines, variablesFromEnvFiles } from '../../src/config/env-files.js';

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
    expect(malformed).toEqual([
      {
        line: 13,
        reason: 'it is not KEY=value',
        fix: expect.stringContaining('NAME=value'),
        names: ['not', 'a', 'line'],
      },
    ]);
  });

  it('a missing file is a usage error naming it', () => {
    expect(() => readEnvFile(join(dir, 'nope.env'))).toThrow(`env file ${join(dir, 'nope.env')} does not exist`);
  });
});

describe('env files under the environment (config/load-config.ts)', () => {
  const file = (name: string, values: Record<string, string>) => ({
    file: name,
    values: new Map(Object.entries(values)),
    malformed: [],
  });

  it('a variable set in the environment wins; among files the later one wins', () => {
    const added = variablesFromEnvFiles({ A: 'from env', EMPTY: '' }, [
      file('.env', { A: 'file', B: 'first', EMPTY: 'file' }),
      file('other.env', { B: 'second', C: 'c' }),
    ]);
    expect(Object.fromEntries([...added].map(([k, v]) => [k, `${v.value} (${v.file})`]))).toEqual({
      B: 'second (other.env)',
      C: 'c (other.env)',
    });
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

describe('lines that cannot be read (issue 19 §4)', () => {
  it('a UTF-16 file, with or without a BOM, sets nothing and names each variable it meant to set', () => {
    const text = '# c\r\nMODKIT_DATABASE_URL=postgres://u:s3cret@h/db\r\nOTHER=1\r\n';
    for (const bytes of [
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      Buffer.from(text, 'utf16le'),
    ]) {
      const { values, malformed } = decodeEnv(bytes);
      expect(values.size).toBe(0);
      expect(malformed.map((m) => [m.line, m.key])).toEqual([
        [2, 'MODKIT_DATABASE_URL'],
        [3, 'OTHER'],
      ]);
      expect(malformed[0]!.reason).toContain('UTF-16');
      expect(JSON.stringify(malformed)).not.toContain('s3cret');
    }
  });

  it('an unclosed quote is one malformed line, and the lines after it are read on their own', () => {
    const { values, malformed } = parseEnv("A=\"never closed\nB=2\nC='x'");
    expect(Object.fromEntries(values)).toEqual({ B: '2', C: 'x' });
    expect(malformed).toMatchObject([{ line: 1, key: 'A', names: ['A'], reason: 'its opening " is never closed' }]);
  });

  it('bytes that are not UTF-8 make their line malformed', () => {
    const { values, malformed } = decodeEnv(
      Buffer.concat([Buffer.from('OK=1\nPW=caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    expect(Object.fromEntries(values)).toEqual({ OK: '1' });
    expect(malformed).toMatchObject([{ line: 2, key: 'PW', reason: expect.stringContaining('not valid UTF-8') }]);
  });

  it('guesses the names a line that is not KEY=value may set, and keeps its text only when it reads as a name', () => {
    const { malformed } = parseEnv(
      'DB URL=postgres://u:Hunter2Secret@h/db\nMODKIT_DATABASE_URL postgres://u:pw@h/db\npostgres://u:pw@h/db?x=1',
    );
    expect(
      malformed.map((m) => [m.key, m.names.includes('DB_URL') || m.names.includes('MODKIT_DATABASE_URL')]),
    ).toEqual([
      ['DB URL', true],
      [undefined, true],
      [undefined, false],
    ]);
  });

  it('a malformed line is an error when it sets a variable in use that the environment does not set, else a warning', () => {
    const files = [
      { file: '.env', values: new Map(), malformed: parseEnv('DB URL=x\nNOPE\nMODKIT_DATABASE_URL="y').malformed },
    ];
    const inUse = new Map([
      ['MODKIT_DATABASE_URL', 'modkit'],
      ['DB_URL', 'the config'],
    ]);
    expect(judgeMalformedLines(files, inUse, {})).toEqual({
      errors: [
        expect.stringMatching(
          /^\.env:1 looks like it sets DB_URL, which the config reads, but it is not KEY=value: write it as NAME=value/,
        ),
        expect.stringMatching(
          /^\.env:3 sets MODKIT_DATABASE_URL, which modkit reads, but its opening " is never closed: close the quote/,
        ),
      ],
      warnings: ['.env:2: it is not KEY=value; ignored'],
    });
    expect(judgeMalformedLines(files, inUse, { DB_URL: 'set', MODKIT_DATABASE_URL: 'set' }).errors).toEqual([]);
  });
});
