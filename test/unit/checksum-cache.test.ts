import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checksumOf } from '../../src/modules/checksum.js';
import { ChecksumCache } from '../../src/modules/checksum-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'modkit-cache-'));
const cachePath = join(dir, '.modkit', 'checksums.json');
const file = join(dir, '0001_a.sql');
afterEach(() => vi.restoreAllMocks());

/** Pretends the files were written long ago, so they are not "racily clean". */
const later = () => vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 10_000);

function hashWith(cache: ChecksumCache) {
  const hash = vi.fn(() => checksumOf(readFileSync(file)));
  return { checksum: cache.checksum(file, hash), hash };
}

describe('ChecksumCache', () => {
  it('hashes on a miss, then answers from the stat on the next run', () => {
    rmSync(cachePath, { force: true });
    writeFileSync(file, 'CREATE TABLE a (id INTEGER);');
    later();
    const first = ChecksumCache.open(cachePath);
    expect(hashWith(first).hash).toHaveBeenCalledTimes(1);
    first.save();
    const second = hashWith(ChecksumCache.open(cachePath));
    expect(second.hash).not.toHaveBeenCalled();
    expect(second.checksum).toBe(checksumOf('CREATE TABLE a (id INTEGER);'));
  });

  it('does not cache a file changed in the last two seconds', () => {
    rmSync(cachePath, { force: true });
    writeFileSync(file, 'CREATE TABLE b (id INTEGER);');
    const cache = ChecksumCache.open(cachePath);
    hashWith(cache);
    cache.save();
    expect(hashWith(ChecksumCache.open(cachePath)).hash).toHaveBeenCalledTimes(1);
  });

  it('sees a same-size edit even when the old mtime is put back (ctime moves)', () => {
    rmSync(cachePath, { force: true });
    writeFileSync(file, 'CREATE TABLE c (id INTEGER);');
    const before = statSync(file);
    later();
    const cache = ChecksumCache.open(cachePath);
    hashWith(cache);
    cache.save();
    writeFileSync(file, 'CREATE TABLE d (id INTEGER);');
    utimesSync(file, before.atime, before.mtime);
    const after = hashWith(ChecksumCache.open(cachePath));
    expect(after.hash).toHaveBeenCalledTimes(1);
    expect(after.checksum).toBe(checksumOf('CREATE TABLE d (id INTEGER);'));
  });

  it('starts empty from a damaged cache file, and never hits without a path', () => {
    writeFileSync(cachePath, '{ not json');
    expect(hashWith(ChecksumCache.open(cachePath)).hash).toHaveBeenCalledTimes(1);
    expect(hashWith(ChecksumCache.open(undefined)).hash).toHaveBeenCalledTimes(1);
  });
});
