// Preload (`node --import <this file> bin/modkit.js ...`): gives `module.enableCompileCache` (Node
// >= 22.1; absent on Node 20) a stand-in that records its call to $MODKIT_COMPILE_CACHE_REPORT, so
// the test sees that bin/modkit.js asks for Node's compile cache where the release has one.
import { writeFileSync } from 'node:fs';
import module from 'node:module';

const report = process.env.MODKIT_COMPILE_CACHE_REPORT;
module.enableCompileCache = (...args) => {
  if (report) writeFileSync(report, JSON.stringify({ called: true, args }));
  return { status: 0 };
};
