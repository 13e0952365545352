import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';

const BUNDLE = fileURLToPath(new URL('../../dist/modkit-cli.cjs', import.meta.url));

/**
 * The build (scripts/build-cli.mjs) ships a V8 code cache with the CLI bundle; bin/modkit.js hands
 * it to V8. A cache V8 rejects costs nothing but silently loses the start-up it exists for, so
 * this checks that the one `npm run build` made is found and accepted by this Node.
 */
describe('CLI code cache', () => {
  it('the bundle names its build, and V8 accepts the cache of that build', () => {
    const source = readFileSync(BUNDLE, 'utf8');
    const buildId = /^\/\/ modkit-build (\w+)\n/.exec(source)?.[1];
    expect(buildId).toMatch(/^[0-9a-f]{16}$/);
    const cachedData = readFileSync(BUNDLE.replace(/\.cjs$/, `.${buildId}.cache`));
    // The same wrapper as bin/modkit.js: V8 checks the cache against the source it compiles.
    const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, cachedData });
    expect(script.cachedDataRejected).toBe(false);
  });
});
