// Node 20 and 21 have no compile cache of their own (module.enableCompileCache came in 22.1), so
// every run there parsed the CLI bundle (590 KB) and compiled each function it called, ≈ 20 ms of a
// no-op's 150 (issue 25). The build trains a V8 code cache of the bundle for the Node that built it
// (scripts/train-code-cache.mjs): this runs the bundle from it.
//
// The cache is used only when it was made from these very bytes: its header names the bundle's
// path (V8 keeps the file name a cache was made with, and frames name it) and the sha256 of the
// bundle as read here, and the sha256 of the V8 data, which V8 does not check (a damaged cache can
// crash it). V8 itself checks the Node release, its flags and the source's length. Anything else
// (another file, an edited bundle, another Node) compiles as usual. Nothing is global: code
// compiled through vm.Script has no import() of its own on Node 20, so the loader hands one over on
// the bundle's own `module` object (scripts/build-cli.mjs), which a plain require leaves without one.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

const HEADER = 'modkit-code-cache ';

/**
 * The bundle's exports, run from its code cache; undefined when no cache fits (then the caller
 * requires the bundle as usual). `train` compiles through the cache whatever its state and writes
 * it again at exit, holding every function this run compiled (the build's training runs only).
 */
export function requireWithCodeCache(bundle, cacheFile, { train = false } = {}) {
  // The cache first: where there is none (an installed package, another Node) the bundle is read
  // once, by the caller's require, and never hashed.
  const cache = readOrUndefined(cacheFile);
  if (cache === undefined && !train) return undefined;
  const bytes = readOrUndefined(bundle);
  if (bytes === undefined) return undefined;
  const header = headerOf(bundle, bytes);
  const cachedData = cache && fittingData(cache, header);
  if (cachedData === undefined && !train) return undefined;
  // The wrapper stays on the bundle's first line: line numbers in stack traces are the bundle's own.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${bytes.toString('utf8')}\n})`,
    {
      filename: bundle,
      cachedData,
    },
  );
  const module = { exports: {}, modkitImport: (specifier) => import(specifier) };
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  if (train) process.on('exit', () => writeCache(cacheFile, header, script.createCachedData()));
  return module.exports;
}

function readOrUndefined(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The V8 data of a cache file whose first line is `header` and the data's sha256, else undefined. */
function fittingData(bytes, header) {
  const end = bytes.indexOf(10);
  const line = end < 0 ? '' : bytes.toString('latin1', 0, end);
  if (!line.startsWith(`${header} `)) return undefined;
  const data = bytes.subarray(end + 1);
  return line.slice(header.length + 1) === sha256(data) ? data : undefined;
}

// The header without the data's checksum, which follows it: `modkit-code-cache {bundle, sha256} <data sha256>`.
function headerOf(bundle, bytes) {
  return `${HEADER}${JSON.stringify({ bundle, sha256: sha256(bytes) })}`;
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Written whole under another name, then renamed: a run started meanwhile reads the old cache or the new. */
function writeCache(cacheFile, header, data) {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${header} ${sha256(data)}\n`), data]));
    renameSync(temporary, cacheFile);
  } catch {
    rmSync(temporary, { force: true }); // a read-only install or a full disk: the build warns that there is no cache
  }
}
