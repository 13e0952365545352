import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandBraces, matchGlobs } from '../../src/modules/match-globs.js';

const root = mkdtempSync(join(tmpdir(), 'modkit-glob-'));
for (const file of [
  'modules/core/module.ts',
  'modules/users/module.mjs',
  'modules/users/module.d.ts',
  'modules/.hidden/module.ts',
  'modules/node_modules/x/module.ts',
  'packages/a/src/modules/billing/module.ts',
  'packages/b/module.ts',
  'one.ts',
  '.config/modules/x/module.ts',
]) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), '');
}
afterAll(() => rmSync(root, { recursive: true, force: true }));
const rel = (paths: string[]) => paths.map((p) => p.slice(root.length + 1));

describe('matchGlobs', () => {
  it('matches * within one segment and skips hidden and node_modules entries', () => {
    expect(rel(matchGlobs(root, ['modules/*/module.ts']))).toEqual(['modules/core/module.ts']);
  });

  it('expands braces, sorts and deduplicates', () => {
    expect(rel(matchGlobs(root, ['modules/*/module.{ts,mjs}', 'modules/core/module.ts']))).toEqual(['modules/core/module.ts', 'modules/users/module.mjs']);
  });

  it('** matches zero or more directories', () => {
    expect(rel(matchGlobs(root, ['packages/**/module.ts']))).toEqual(['packages/a/src/modules/billing/module.ts', 'packages/b/module.ts']);
    expect(rel(matchGlobs(root, ['**/module.mjs']))).toEqual(['modules/users/module.mjs']);
  });

  it('? and [] classes, literal dot directories, ./ prefixes and missing directories', () => {
    expect(rel(matchGlobs(root, ['modules/u?ers/module.[mt]js']))).toEqual(['modules/users/module.mjs']);
    expect(rel(matchGlobs(root, ['.config/modules/*/module.ts']))).toEqual(['.config/modules/x/module.ts']);
    expect(rel(matchGlobs(root, ['./one.ts']))).toEqual(['one.ts']);
    expect(matchGlobs(root, ['nope/*/module.ts'])).toEqual([]);
  });

  it('expandBraces handles nesting and leaves unbalanced braces alone', () => {
    expect(expandBraces('a/{b,c{1,2}}/d')).toEqual(['a/b/d', 'a/c1/d', 'a/c2/d']);
    expect(expandBraces('a/{b')).toEqual(['a/{b']);
  });
});
