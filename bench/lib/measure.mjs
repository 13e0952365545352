/**
 * Runs one command as a whole process and returns its wall time and peak RSS.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`) when it is installed; otherwise from a
 * preload that writes `process.resourceUsage().maxRSS` at exit. Every tool is measured the same
 * way in one bench, so the wrapper's small fixed cost cancels out in the ratios.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME);
const RSS_PRELOAD = fileURLToPath(new URL('./report-rss.mjs', import.meta.url));

export const rssSource = hasGnuTime ? 'GNU time (%M)' : 'process.resourceUsage().maxRSS via --import preload';

/**
 * Also the CPU time the process used (user + system, ms), which a loaded machine does not inflate as
 * it does the wall time. A program that is not Node (squawk) gets no preload without GNU time.
 * @returns {Promise<{ ms: number, rssKb: number | undefined, cpuMs: number | undefined }>}
 */
export async function measure(argv, { env = {}, cwd, okCodes = [0] } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'modkit-bench-rss-'));
  const rssFile = join(scratch, 'rss');
  const [command, ...args] = hasGnuTime
    ? [GNU_TIME, '-f', '%M %U %S', '-o', rssFile, ...argv]
    : argv[0] === process.execPath
      ? [argv[0], '--import', RSS_PRELOAD, ...argv.slice(1)]
      : argv;
  const started = performance.now();
  const { code, stderr } = await new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env, ...(hasGnuTime ? {} : { MODKIT_BENCH_RSS_FILE: rssFile }) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  const ms = performance.now() - started;
  let rssKb;
  let cpuMs;
  try {
    const [rss, user, system] = readFileSync(rssFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
    rssKb = rss || undefined;
    cpuMs = user !== undefined && system !== undefined ? (user + system) * 1000 : undefined;
  } catch {
    rssKb = undefined;
  }
  rmSync(scratch, { recursive: true, force: true });
  if (!okCodes.includes(code)) throw new Error(`${argv.join(' ')} exited ${code}:\n${stderr}`);
  return { ms, rssKb, cpuMs };
}
