import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { expandBraces, matchGlobs } from '../../src/modules/match-globs.js';

const root = mkdtempSync(join(tmpdir(), 'modkit-glob-'));
for (const file of [
  'modules/core/module.ts',
  'modules/users/module.mjs',
  'modules/users/module.d.ts',
  'modules/orders/module.ts',
  'modules/orders/module.js',
  'modules/legacy/module.ts',
  'modules/m1/module.ts',
  'modules/m2/module.ts',
  'modules/m10/module.ts',
  'modules/.hidden/module.ts',
  'modules/node_modules/x/module.ts',
  'packages/a/src/modules/billing/module.ts',
  'packages/b/module.ts',
  'one.ts',
  'star*.ts',
  '.config/modules/x/module.ts',
]) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), '');
}
afterAll(() => rmSync(root, { recursive: true, force: true }));
const rel = (paths: string[]) => paths.map((p) => p.slice(root.length + 1));
const match = (...patterns: string[]) => rel(matchGlobs(root, patterns));
const ALL_TS = [
  'modules/core/module.ts',
  'modules/legacy/module.ts',
  'modules/m1/module.ts',
  'modules/m10/module.ts',
  'modules/m2/module.ts',
  'modules/orders/module.ts',
];

describe('matchGlobs', () => {
  it('matches * within one segment and skips hidden and node_modules entries', () => {
    expect(match('modules/*/module.ts')).toEqual(ALL_TS);
  });

  it('expands braces, sorts and deduplicates', () => {
    expect(match('modules/{core,users}/module.{ts,mjs}', 'modules/core/module.ts')).toEqual([
      'modules/core/module.ts',
      'modules/users/module.mjs',
    ]);
    expect(match('modules/{core,users/module.mjs}')).toEqual(['modules/users/module.mjs']); // a brace across segments
  });

  it('brace ranges', () => {
    expect(match('modules/m{1..2}/module.ts')).toEqual(['modules/m1/module.ts', 'modules/m2/module.ts']);
    expect(match('modules/m{9..10}/module.ts')).toEqual(['modules/m10/module.ts']);
  });

  it('** matches zero or more directories', () => {
    expect(match('packages/**/module.ts')).toEqual([
      'packages/a/src/modules/billing/module.ts',
      'packages/b/module.ts',
    ]);
    expect(match('**/module.mjs')).toEqual(['modules/users/module.mjs']);
  });

  it('? and [] classes, literal dot directories, ./ prefixes, escapes and missing directories', () => {
    expect(match('modules/u?ers/module.[mt]js')).toEqual(['modules/users/module.mjs']);
    expect(match('modules/[!cl]*/module.ts')).toEqual([
      'modules/m1/module.ts',
      'modules/m10/module.ts',
      'modules/m2/module.ts',
      'modules/orders/module.ts',
    ]);
    expect(match('.config/modules/*/module.ts')).toEqual(['.config/modules/x/module.ts']);
    expect(match('./one.ts')).toEqual(['one.ts']);
    expect(match('star\\*.ts')).toEqual(['star*.ts']);
    expect(matchGlobs(root, ['nope/*/module.ts'])).toEqual([]);
  });

  it('extglobs: +(a|b), @(a|b), ?(…), *(…) and !(…)', () => {
    expect(match('modules/orders/module.+(ts|js)')).toEqual(['modules/orders/module.js', 'modules/orders/module.ts']);
    expect(match('modules/@(core|orders)/module.ts')).toEqual(['modules/core/module.ts', 'modules/orders/module.ts']);
    expect(match('modules/m?(1)/module.ts')).toEqual(['modules/m1/module.ts']);
    expect(match('modules/m*([0-9])/module.ts')).toEqual([
      'modules/m1/module.ts',
      'modules/m10/module.ts',
      'modules/m2/module.ts',
    ]);
    expect(match('modules/!(legacy|m*)/module.ts')).toEqual(['modules/core/module.ts', 'modules/orders/module.ts']);
    expect(match('modules/users/!(*.d).ts')).toEqual([]);
    expect(match('modules/users/module.!(d.ts)')).toEqual(['modules/users/module.mjs']);
  });

  it('a pattern starting with ! excludes what it matches, whatever the order', () => {
    expect(match('!modules/legacy/module.ts', 'modules/*/module.ts', '!modules/m*/**')).toEqual([
      'modules/core/module.ts',
      'modules/orders/module.ts',
    ]);
    expect(match('modules/*/module.ts', `!${join(root, 'modules/orders/module.ts')}`)).not.toContain(
      'modules/orders/module.ts',
    );
  });

  it('refuses what it does not understand, never matching nothing in silence', () => {
    const refused = (pattern: string, message: RegExp) => {
      expect(() => matchGlobs(root, [pattern])).toThrow(UsageError);
      expect(() => matchGlobs(root, [pattern])).toThrow(message);
    };
    refused('modules/*/module.(ts|js)', /"\(" is not glob syntax here: use \{a,b\} or @\(a\|b\)/);
    refused('modules/*/module.ts|js', /"\|" is not glob syntax/);
    refused('modules/{a/module.ts', /unclosed \{/);
    refused('modules/[ab/module.ts', /unclosed \[/);
    refused('modules/+(a|b/module.ts', /unclosed \+\(/);
    refused('modules/[[:alpha:]]/module.ts', /POSIX classes/);
    expect(() => matchGlobs(root, ['!modules/legacy/module.ts'])).toThrow(/only exclusions/);
  });

  it('expandBraces expands groups that span segments, nested too, and leaves one-segment groups to the matcher', () => {
    expect(expandBraces('a/{b,c/{1,2}}/d')).toEqual(['a/b/d', 'a/c/{1,2}/d']);
    expect(expandBraces('a/{b,c/{1,2}/x}/d')).toEqual(['a/b/d', 'a/c/{1,2}/x/d']);
    expect(expandBraces('{a/x,b/y}')).toEqual(['a/x', 'b/y']);
    expect(expandBraces('a/module.{ts,js}')).toEqual(['a/module.{ts,js}']);
  });
});
