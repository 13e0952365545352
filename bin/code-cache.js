// Node 20 and 21 have no compile cache of their own (module.enableCompileCache came in 22.1), so
// every run there parsed the 800 KB CLI bundle and compiled each function it called, ≈ 20 ms of a
// no-op's 150 (issue 25). The build trains a V8 code cache of the bundle for the Node that built it
// (scripts/train-code-cache.mjs): this runs the bundle from it.
//
// The cache is used only when it was made for this very file: V8 itself checks the Node release,
// its flags and the source's length, and keeps the file name the cache was made with (so the
// header must name this bundle: frames then name the real file), and the header's size and mtime
// must be the bundle's (a bundle edited after the build, by patch-package or by hand, compiles as
// usual). Nothing is global: code compiled through vm.Script has no import() of its own on Node
// 20, so the loader hands one over on the bundle's own `module` object (scripts/build-cli.mjs),
// which a plain require leaves without one.
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

const HEADER = 'modkit-code-cache ';

/**
 * The bundle's exports, run from its code cache; undefined when no cache fits (then the caller
 * requires the bundle as usual). `train` compiles through the cache whatever its state and writes
 * it again at exit, holding every function this run compiled (the build's training runs).
 */
export function requireWithCodeCache(bundle, cacheFile, { train = false } = {}) {
  let source;
  let cachedData;
  try {
    const bundleStat = statSync(bundle);
    cachedData = fittingCache(cacheFile, bundle, bundleStat);
    if (cachedData === undefined && !train) return undefined;
    source = readFileSync(bundle, 'utf8');
  } catch {
    return undefined;
  }
  // The wrapper stays on the bundle's first line: line numbers in stack traces are the bundle's own.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  const module = { exports: {}, modkitImport: (specifier) => import(specifier) };
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  if (train) process.on('exit', () => writeCache(script, cacheFile, bundle));
  return module.exports;
}

/** The V8 data of a cache made for this bundle as it is now, else undefined. */
function fittingCache(cacheFile, bundle, bundleStat) {
  let fd;
  try {
    fd = openSync(cacheFile, 'r');
  } catch {
    return undefined; // no cache: a development build, another Node, or removed
  }
  try {
    const bytes = Buffer.allocUnsafe(fstatSync(fd).size);
    if (readSync(fd, bytes, 0, bytes.length, 0) !== bytes.length) return undefined;
    const end = bytes.indexOf(10);
    if (end < 0) return undefined;
    if (bytes.toString('utf8', 0, end) !== headerOf(bundle, bundleStat)) return undefined;
    return bytes.subarray(end + 1);
  } finally {
    closeSync(fd);
  }
}

function headerOf(bundle, stat) {
  return `${HEADER}${JSON.stringify({ bundle, size: stat.size, mtimeMs: stat.mtimeMs })}`;
}

/** Written whole under another name, then renamed: a run started meanwhile reads the old cache or the new. */
function writeCache(script, cacheFile, bundle) {
  try {
    const temporary = `${cacheFile}.${process.pid}`;
    writeFileSync(
      temporary,
      Buffer.concat([Buffer.from(`${headerOf(bundle, statSync(bundle))}\n`), script.createCachedData()]),
    );
    renameSync(temporary, cacheFile);
  } catch {
    // a read-only install: the build checks that its training wrote a cache; a run must not fail
  }
}
