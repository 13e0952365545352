import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, relative } from 'node:path';

/** Entries younger than this are not trusted: a change within one timestamp tick could hide. */
const RACY_MS = 2_000;
const VERSION = 1;

/**
 * A stat-keyed cache of migration checksums, as git's index caches file hashes. A file whose
 * inode, size, mtime and ctime are unchanged since it was hashed has the same bytes (ctime moves
 * on every write and cannot be set back by tools that preserve mtimes); anything else is read and
 * hashed again. Files changed in the last two seconds are never cached ("racily clean" in git's
 * words). On a fresh checkout there is no cache and every file is hashed, exactly as without it;
 * on a developer's machine a repeated run reads 1,000 stat results instead of 1,000 files.
 */
export class ChecksumCache {
  private readonly entries: Map<string, string>;
  private readonly used = new Map<string, string>();
  private changed = false;

  private constructor(
    private readonly path: string | undefined,
    private readonly baseDir: string,
    entries: Map<string, string>,
  ) {
    this.entries = entries;
  }

  /**
   * Opens the cache at `path`, keyed by paths relative to `baseDir` (missing or unreadable:
   * empty). Without a path, a cache that never hits.
   */
  static open(path: string | undefined, baseDir = '/'): ChecksumCache {
    if (!path) return new ChecksumCache(undefined, baseDir, new Map());
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as { version?: number; entries?: Record<string, string> };
      if (data.version === VERSION && data.entries) return new ChecksumCache(path, baseDir, new Map(Object.entries(data.entries)));
    } catch {
      // No cache yet, or a damaged one: start over.
    }
    return new ChecksumCache(path, baseDir, new Map());
  }

  /** The checksum of `file` if its stat proves it unchanged, else computes it with `hash`. */
  checksum(file: string, hash: () => string | undefined): string | undefined {
    let stats: Stats | undefined;
    try {
      stats = this.path ? statSync(file) : undefined;
    } catch {
      stats = undefined; // unreadable: let `hash` report it
    }
    const key = stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}` : undefined;
    const name = relative(this.baseDir, file);
    const cached = key ? this.entries.get(name) : undefined;
    if (key && cached?.startsWith(`${key}=`)) {
      this.used.set(name, cached);
      return cached.slice(key.length + 1);
    }
    const checksum = hash();
    if (checksum !== undefined && key && stats && Math.max(stats.mtimeMs, stats.ctimeMs) < Date.now() - RACY_MS) {
      this.used.set(name, `${key}=${checksum}`);
      this.changed = true;
    }
    return checksum;
  }

  /** Writes the entries used in this run (dropping the rest), when anything changed. Best effort. */
  save(): void {
    if (!this.path || (!this.changed && this.used.size === this.entries.size)) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ version: VERSION, entries: Object.fromEntries(this.used) }));
      renameSync(temporary, this.path); // atomic: concurrent runners never read half a file
    } catch {
      // A read-only checkout simply runs without the cache.
    }
  }
}
