/**
 * `node bench/run.mjs lint [--reps N] [--squawk PATH]` (after `npm run build`): the lint alone.
 *  1. `modkit lint` of the bench workload's 1,000 files, and squawk on the same files (whole
 *     processes, alternating; median, and peak RSS);
 *  2. a pending 50 MB data-load file: `modkit lint` (and squawk) time and peak RSS (bound: 200 MB);
 *  3. the corpus, squawk beside modkit, per class (bench/lint-corpus.mjs).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, rssSource } from './lib/measure.mjs';
import { lintRows } from './lib/report.mjs';
import { benchLint } from './lib/scenarios.mjs';
import { findSquawk, SQUAWK_VERSION } from './lib/squawk.mjs';
import { summarize } from './lib/stats.mjs';
import { generateWorkload } from './lib/workload.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { reps: { type: 'string', default: '7' }, squawk: { type: 'string' } },
});
const reps = Number(values.reps);
const log = (line) => process.stderr.write(`${line}\n`);
const squawk = findSquawk(values.squawk, log);
const dir = mkdtempSync(join(tmpdir(), 'modkit-bench-lint-'));
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

try {
  const workload = generateWorkload(dir, {
    modules: 50,
    migrations: 20,
    modkitFormat: 'sql',
    nodeModules: join(repo, 'node_modules'),
  });
  const samples = await benchLint({ repo, workload, reps, dir, log, squawk });
  const lint = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));

  const load = join(dir, 'load');
  mkdirSync(join(load, 'modules', 'data', 'migrations'), { recursive: true });
  writeFileSync(join(load, 'modkit.config.mjs'), "export default { modules: ['modules/*/module.mjs'] };\n");
  writeFileSync(
    join(load, 'modules', 'data', 'module.mjs'),
    "export default { name: 'data', migrations: './migrations' };\n",
  );
  writeFileSync(
    join(load, 'modules', 'data', 'migrations', '0001_readings.sql'),
    'CREATE TABLE readings (id bigint PRIMARY KEY, sensor text, value float8);\n',
  );
  const file = join(load, 'modules', 'data', 'migrations', '0002_load.sql');
  writeDataLoad(file, 50 << 20);
  const loadRuns = { modkit: [], squawk: [] };
  for (let rep = 0; rep < 3; rep++) {
    loadRuns.modkit.push(
      await measure(
        [process.execPath, join(repo, 'bin/modkit.js'), 'lint', '--url', 'postgres://bench@127.0.0.1:1/none'],
        { cwd: load },
      ),
    );
    loadRuns.squawk.push(await measure([squawk, file], { cwd: load, okCodes: [0, 1] }));
    log(
      `  50 MB file #${rep + 1}: modkit ${loadRuns.modkit.at(-1).ms.toFixed(0)} ms, squawk ` +
        `${loadRuns.squawk.at(-1).ms.toFixed(0)} ms`,
    );
  }
  const m = summarize(loadRuns.modkit);
  const s = summarize(loadRuns.squawk);

  console.log(
    `modkit lint beside squawk ${SQUAWK_VERSION}; median of ${reps} runs after a warm-up (peak RSS: ${rssSource})\n`,
  );
  console.log('| engine | run | | time | | target | | peak RSS |');
  console.log('|---|---|---|---:|---|---|---|---|');
  for (const row of lintRows(lint, workload.total)) console.log(row);
  const cpu = (x) => (x.medianCpuMs === undefined ? '' : `; CPU ${fmt(x.medianCpuMs)}`);
  console.log(
    `| postgres | \`modkit lint\`, a pending 50 MB data-load file (median of 3${cpu(m)}) | | ${fmt(m.medianMs)} | | ` +
      `< 200 MB ${m.peakRssMb < 200 ? 'ok' : 'MISSED'} | | ${m.peakRssMb?.toFixed(0)} MB |`,
  );
  console.log(
    `| postgres | squawk, the same 50 MB file (${cpu(s).slice(2)}) | | ${fmt(s.medianMs)} | | | | ${s.peakRssMb?.toFixed(0)} MB |`,
  );
  console.log('');
  console.log(
    execFileSync(process.execPath, [join(repo, 'bench/lint-corpus.mjs'), '--squawk', squawk], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString(),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** `size` bytes of INSERTs of 500 rows each. */
function writeDataLoad(path, size) {
  const fd = openSync(path, 'w');
  let written = 0;
  let id = 0;
  while (written < size) {
    const rows = Array.from({ length: 500 }, () => `  (${++id}, 'sensor-${id % 97}', ${(id * 0.37) % 100})`).join(
      ',\n',
    );
    const chunk = `INSERT INTO readings (id, sensor, value) VALUES\n${rows};\n`;
    writeSync(fd, chunk);
    written += chunk.length;
  }
  closeSync(fd);
}
