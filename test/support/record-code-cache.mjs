// Preload for the code-cache test (`node --import <this file> bin/modkit.js ...`): records how
// bin/modkit.js compiled the CLI bundle (the name it gave V8, whether it passed a code cache and
// whether V8 accepted it) to $MODKIT_CODE_CACHE_REPORT as JSON.
import { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import vm from 'node:vm';

const report = process.env.MODKIT_CODE_CACHE_REPORT;
const Original = vm.Script;
vm.Script = class RecordingScript extends Original {
  constructor(code, options) {
    super(code, options);
    if (report) {
      const given = options?.cachedData !== undefined;
      writeFileSync(report, JSON.stringify({ filename: options?.filename, given, rejected: given ? this.cachedDataRejected : null }));
    }
  }
};
// bin/modkit.js imports { Script } from 'node:vm': make that named export the recording class.
syncBuiltinESMExports();
