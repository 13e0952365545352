#!/usr/bin/env node
/**
 * `npm run bench`: modkit's `migrate --only` against knex's own `migrate:latest`, as whole
 * processes, on SQLite, PostgreSQL and MariaDB/MySQL. Options: `npm run bench -- --help`.
 * Progress goes to stderr, the table to stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from './lib/args.mjs';
import { describeEnvironment } from './lib/environment.mjs';
import { rssSource } from './lib/measure.mjs';
import { formatReport, quickCheck } from './lib/report.mjs';
import { benchApply, benchHelp, benchLint, benchNoop, NOOP_RUNS_PER_REP, toolCommands } from './lib/scenarios.mjs';
import { findSquawk } from './lib/squawk.mjs';
import { summarize } from './lib/stats.mjs';
import { generateWorkload } from './lib/workload.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
// `node bench/run.mjs fleet [...]`: the fleet scenario alone (long: bench/fleet.mjs).
if (process.argv[2] === 'fleet') {
  await import('./fleet.mjs');
  process.exit(0);
}
// `node bench/run.mjs lint [...]`: the lint rows alone, with squawk, the 50 MB file and the corpus (bench/lint.mjs).
if (process.argv[2] === 'lint') {
  await import('./lint.mjs');
  process.exit(0);
}
const options = parseBenchArgs(process.argv.slice(2));
const log = (line) => process.stderr.write(`${line}\n`);
const summarizeAll = (samples) => Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));

async function runWorkload(modules, reps, { full }) {
  const dir = mkdtempSync(join(tmpdir(), 'modkit-bench-'));
  log(`workload ${modules} x ${options.migrations} in ${dir}`);
  try {
    const workload = generateWorkload(dir, { ...options, modules, nodeModules: join(repo, 'node_modules') });
    const results = [];
    for (const engine of options.engines) {
      const cmd = toolCommands({ repo, workload, engine });
      const tools = [
        { name: 'knex', command: cmd.knex },
        { name: 'modkit', command: cmd.modkit },
      ];
      const applyTools = [...tools];
      applyTools.push({ name: 'floor', command: cmd.floor });
      // --quick leaves the list empty unless --concurrency is given: then its rows run and are checked too.
      if (engine === 'postgres' || engine === 'mysql') {
        for (const n of options.concurrency)
          applyTools.push({ name: `modkit -c${n}`, command: (db) => cmd.modkit(db, ['--concurrency', String(n)]) });
      }
      const ctx = { engine, reps, dir, pgUrl: options.pgUrl, mysqlUrl: options.mysqlUrl, log };
      const apply = summarizeAll(await benchApply({ ...ctx, tools: applyTools }));
      // The no-op with lint on is modkit's default run; `--no-lint` beside it shows what the lint costs there (nothing pending: the parser is not loaded).
      // The no-op's floor: Node starting and exiting, which every tool pays.
      const noopFloor = { name: 'floor', command: () => ({ argv: [process.execPath, '-e', ''] }) };
      const noopTools = [
        ...tools,
        noopFloor,
        ...(full ? [{ name: 'modkit --no-lint', command: (db) => cmd.modkit(db, ['--no-lint']) }] : []),
      ];
      const noop = summarizeAll(await benchNoop({ ...ctx, reps: reps * NOOP_RUNS_PER_REP, tools: noopTools }));
      results.push({ engine, apply, 'no-op': noop });
    }
    const help = full ? summarizeAll(await benchHelp({ repo, reps, dir, log })) : undefined;
    // SQL migrations only: script migrations are not linted.
    const lint =
      full && options.modkitFormat !== 'mjs'
        ? summarizeAll(await benchLint({ repo, workload, reps, dir, log, squawk: squawkOrNone() }))
        : undefined;
    return { total: workload.total, results, help, lint };
  } finally {
    if (options.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** squawk beside modkit's lint, when it is there or can be installed (the bench goes on without it). */
function squawkOrNone() {
  try {
    return findSquawk(options.squawk, log);
  } catch (error) {
    log(`squawk not run: ${error.message.split('\n')[0]}`);
    return undefined;
  }
}

const env = await describeEnvironment({
  engines: options.engines,
  pgUrl: options.pgUrl,
  mysqlUrl: options.mysqlUrl,
  repo,
});
const base = await runWorkload(options.modules, options.reps, { full: !options.quick });
let scale;
if (options.scale) {
  const factor = 10;
  const run = await runWorkload(options.modules * factor, options.scaleReps, { full: false });
  scale = { modules: options.modules * factor, factor, results: run.results };
}
console.log(
  formatReport({ env, options, total: base.total, results: base.results, help: base.help, lint: base.lint, scale }),
);
if (options.quick) {
  const { regressions, lines } = quickCheck(base.results);
  console.log(`\n${lines.join('\n')}`);
  if (regressions > 0) process.exitCode = 1;
}
console.log(
  `\npeak RSS measured with ${rssSource}. Reproduce: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd(),
);
if (options.json) console.log(JSON.stringify({ env, options, base, scale }, null, 2));
