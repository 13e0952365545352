/**
 * The timed scenarios. Each repetition runs every tool once, in an order that rotates from one
 * repetition to the next, so drift in machine load hits all tools alike. One untimed warm-up
 * repetition goes first (file cache, first-run costs).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createDatabase } from './databases.mjs';
import { measure } from './measure.mjs';

export function toolCommands({ repo, workload, engine }) {
  const node = process.execPath;
  const modkit = (db, extra = []) => ({
    argv: [
      node,
      join(repo, 'bin/modkit.js'),
      'migrate',
      '--only',
      '-c',
      workload.modkitConfig,
      '--database-url',
      db.modkitUrl,
      ...extra,
    ],
  });
  const knex = (db) => ({
    argv: [node, join(repo, 'node_modules/knex/bin/cli.js'), 'migrate:latest', '--knexfile', workload.knexfile],
    env: db.knexEnv,
  });
  const floor = (db) => ({
    argv: [node, join(repo, 'bench/lib/floor.mjs'), engine, db.floorUrl, workload.floorStatements],
  });
  return { modkit, knex, floor };
}

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/**
 * A tool that fails (e.g. knex's one transaction for everything running out of PostgreSQL lock
 * slots at 10,000 tables) is a result, not a crash of the bench: it is recorded on its samples
 * as `failed` and not run again.
 */
function recordFailure(samples, tool, error, log) {
  const lines = String(error?.message ?? error)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  samples[tool.name].failed =
    lines.find((l) => /error|fatal|out of/i.test(l) && !l.startsWith('/')) ?? lines.at(-1) ?? 'failed';
  log(`  ${tool.name} failed: ${samples[tool.name].failed}`);
}

/**
 * (a) apply on a fresh database, each tool and repetition on its own new database. On PostgreSQL
 * the databases are dropped together once the phase is timed, not between runs: a drop (its
 * forced checkpoint, its ~2,000 deleted files) lands in the next run's fsyncs (each `CREATE TABLE …
 * PRIMARY KEY` fsyncs its new index): a 1,000-migration apply took 2.6-3.9 s of wall time right
 * after a drop and 1.4-2.1 s without one, with the same CPU, knex and modkit alike. On MariaDB it
 * is the other way round (every database's tables share InnoDB): with the databases kept, each run
 * was slower than the one before, the driver-only floor from 2.0 s to 6.1 s over one phase; there,
 * and on SQLite (a file), each database is dropped right after its run.
 */
export async function benchApply({ engine, tools, reps, dir, pgUrl, mysqlUrl, log }) {
  const samples = Object.fromEntries(tools.map((t) => [t.name, []]));
  const dropAtEnd = engine === 'postgres';
  const databases = [];
  try {
    for (let rep = -1; rep < reps; rep += 1) {
      for (const tool of rotate(tools, rep + 1)) {
        if (samples[tool.name].failed) continue;
        const db = await createDatabase(engine, { dir, pgUrl, mysqlUrl });
        if (dropAtEnd) databases.push(db);
        try {
          const { argv, env } = tool.command(db);
          const sample = await measure(argv, { env, cwd: dir });
          if (rep >= 0) samples[tool.name].push(sample);
          log(`  ${engine} apply ${tool.name} #${rep < 0 ? 'warm-up' : rep + 1}: ${sample.ms.toFixed(0)} ms`);
        } catch (error) {
          recordFailure(samples, tool, error, log);
        } finally {
          if (!dropAtEnd) await db.drop();
        }
      }
    }
  } finally {
    for (const db of databases) await db.drop();
    settleFileSystem();
  }
  return samples;
}

/** Lets the file system finish what the drops left (dirty pages, its journal) before the next phase times anything. */
function settleFileSystem() {
  spawnSync('sync', { stdio: 'ignore' });
}

/** The no-op (a fifth of a second, the machine's noise a tenth of it) runs this many times per repetition. */
export const NOOP_RUNS_PER_REP = 3;

/** (b) the no-op rerun: each tool migrates its own database once (untimed), then reruns. */
export async function benchNoop({ engine, tools, reps, dir, pgUrl, mysqlUrl, log }) {
  const samples = Object.fromEntries(tools.map((t) => [t.name, []]));
  const dbs = new Map();
  try {
    for (const tool of tools) {
      const db = await createDatabase(engine, { dir, pgUrl, mysqlUrl });
      dbs.set(tool.name, db);
      const { argv, env } = tool.command(db);
      await measure(argv, { env, cwd: dir }).catch((error) => recordFailure(samples, tool, error, log));
    }
    for (let rep = -1; rep < reps; rep += 1) {
      for (const tool of rotate(tools, rep + 1)) {
        if (samples[tool.name].failed) continue;
        const { argv, env } = tool.command(dbs.get(tool.name));
        const sample = await measure(argv, { env, cwd: dir });
        if (rep >= 0) samples[tool.name].push(sample);
        log(`  ${engine} no-op ${tool.name} #${rep < 0 ? 'warm-up' : rep + 1}: ${sample.ms.toFixed(0)} ms`);
      }
    }
  } finally {
    for (const db of dbs.values()) await db.drop();
  }
  return samples;
}

/** Start-up: `--help` of each CLI, no database. */
export async function benchHelp({ repo, reps, dir, log }) {
  const tools = [
    { name: 'knex', argv: [process.execPath, join(repo, 'node_modules/knex/bin/cli.js'), '--help'] },
    { name: 'modkit', argv: [process.execPath, join(repo, 'bin/modkit.js'), '--help'] },
  ];
  const samples = { knex: [], modkit: [] };
  for (let rep = -1; rep < reps; rep += 1) {
    for (const tool of rotate(tools, rep + 1)) {
      const sample = await measure(tool.argv, { cwd: dir });
      if (rep >= 0) samples[tool.name].push(sample);
    }
  }
  log(`  --help done`);
  return samples;
}

/**
 * `modkit lint` of every migration of the workload (1,000 files at the default 50 x 20), as a whole
 * process: start-up, loading PostgreSQL's parser (WebAssembly), reading and parsing every file. The
 * URL only tells lint the migrations are PostgreSQL's; it connects to nothing. With `squawk` (a
 * binary), squawk on the same up files, alternating with modkit (it exits 1 when it found something).
 */
export async function benchLint({ repo, workload, reps, dir, log, squawk }) {
  const tools = [
    {
      name: 'modkit',
      argv: [
        process.execPath,
        join(repo, 'bin/modkit.js'),
        'lint',
        '-c',
        workload.modkitConfig,
        '--database-url',
        'postgres://bench@127.0.0.1:1/lint_connects_to_nothing',
      ],
    },
    ...(squawk
      ? [
          {
            name: 'squawk',
            argv: [squawk, 'modules/*/migrations/*.up.sql'],
            cwd: dirname(workload.modkitConfig),
            okCodes: [0, 1],
          },
        ]
      : []),
  ];
  const samples = Object.fromEntries(tools.map((t) => [t.name, []]));
  for (let rep = -1; rep < reps; rep += 1) {
    for (const tool of rotate(tools, rep + 1)) {
      const sample = await measure(tool.argv, { cwd: tool.cwd ?? dir, okCodes: tool.okCodes });
      if (rep >= 0) samples[tool.name].push(sample);
      log(`  ${tool.name} lint ${workload.total} files #${rep < 0 ? 'warm-up' : rep + 1}: ${sample.ms.toFixed(0)} ms`);
    }
  }
  return samples;
}
