// Preload (`node --import <this file> bin/modkit.js ...`): records every vm.Script compiled with a
// file name to $MODKIT_CODE_CACHE_REPORT (one JSON line each: the name, the size of the code cache
// handed over, whether V8 rejected it), so a test sees whether the CLI ran from its code cache.
import { appendFileSync } from 'node:fs';
import module from 'node:module';
import vm from 'node:vm';

const report = process.env.MODKIT_CODE_CACHE_REPORT;
const Script = vm.Script;
vm.Script = class RecordedScript extends Script {
  constructor(code, options) {
    super(code, options);
    if (report && options?.filename) {
      const entry = {
        filename: options.filename,
        cachedBytes: options.cachedData?.length ?? 0,
        rejected: this.cachedDataRejected ?? null,
      };
      appendFileSync(report, `${JSON.stringify(entry)}\n`);
    }
  }
};
module.syncBuiltinESMExports();
