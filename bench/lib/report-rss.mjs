// Preload used when GNU time is missing: writes this process's peak RSS (KiB) and CPU seconds
// (user, system) at exit, as GNU time's `%M %U %S` would.
import { writeFileSync } from 'node:fs';

const file = process.env.MODKIT_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, `${usage.maxRSS} ${usage.userCPUTime / 1e6} ${usage.systemCPUTime / 1e6}`);
  });
}
