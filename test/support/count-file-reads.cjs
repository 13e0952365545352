// Preload for tests that count file reads (`node --require <this file> bin/modkit.js ...`): counts
// fs.readFileSync calls per path ending in $MODKIT_COUNT_READS_SUFFIX and writes them as JSON to
// $MODKIT_COUNT_READS_FILE at exit. The CLI bundle is CommonJS and calls fs.readFileSync through
// the module object, so the wrapper sees every call.
const fs = require('node:fs');

const file = process.env.MODKIT_COUNT_READS_FILE;
const suffix = process.env.MODKIT_COUNT_READS_SUFFIX ?? '.sql';
if (file) {
  const counts = {};
  const readFileSync = fs.readFileSync;
  fs.readFileSync = function countedReadFileSync(path, ...rest) {
    if (typeof path === 'string' && path.endsWith(suffix)) counts[path] = (counts[path] ?? 0) + 1;
    return readFileSync.call(this, path, ...rest);
  };
  process.on('exit', () => fs.writeFileSync(file, JSON.stringify(counts)));
}
