/**
 * Kill-and-rerun loop (issue 11): SIGKILL a `modkit migrate --only` at random moments and start
 * the next run at once, until a run completes; then check that every migration was applied
 * exactly once (its tables exist, its history row is there, nothing failed but the kills).
 *
 *   node bench/kill-loop.mjs [--rounds 20] [--migrations 12] [--url postgres://…/postgres]
 *
 * Each migration creates two tables around a short pg_sleep, and turns the server's client check
 * off for its transaction, so a killed run's backend goes on and commits what it was sent — the
 * case the work barrier exists for. Prints one summary line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { historyTableNameSync } from '../dist/db/history-table-name.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    migrations: { type: 'string', default: '12' },
    url: { type: 'string', default: process.env.MODKIT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const rounds = Number(values.rounds);
const count = Number(values.migrations);
const bin = fileURLToPath(new URL('../bin/modkit.js', import.meta.url));

const admin = new pg.Client({ connectionString: values.url });
await admin.connect();
let kills = 0;
let runs = 0;
const failures = [];
for (let round = 0; round < rounds; round++) {
  const name = `modkit_kill_${process.pid}_${round}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(values.url);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), 'modkit-kill-'));
  mkdirSync(join(dir, 'modules/ghost/migrations'), { recursive: true });
  writeFileSync(join(dir, 'modkit.config.mjs'), "export default { modules: ['modules/*/module.mjs'] };\n");
  writeFileSync(
    join(dir, 'modules/ghost/module.mjs'),
    "export default { name: 'ghost', migrations: './migrations' };\n",
  );
  for (let i = 1; i <= count; i++) {
    const id = String(i).padStart(4, '0');
    writeFileSync(
      join(dir, `modules/ghost/migrations/${id}_g.sql`),
      `SET LOCAL client_connection_check_interval = 0;\nCREATE TABLE a${i} (x int);\nSELECT pg_sleep(${(Math.random() * 0.2).toFixed(3)});\nCREATE TABLE b${i} (x int);\n`,
    );
  }
  const args = [bin, 'migrate', '--only', '-c', join(dir, 'modkit.config.mjs'), '--database-url', url.toString()];
  for (;;) {
    runs += 1;
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const killAfter = Math.random() < 0.8 ? 150 + Math.random() * 700 : undefined; // some runs finish
    const timer = killAfter === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfter);
    const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    if (signal === 'SIGKILL') {
      kills += 1;
      continue;
    }
    if (code !== 0) failures.push(`round ${round}: exit ${code}: ${stderr.trim().split('\n').at(-1)}`);
    break;
  }
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  const { rows } = await db.query(
    "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^[ab][0-9]+$'",
  );
  const history = await db.query(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE state = 'applied')::int AS applied FROM public.${historyTableNameSync('ghost')}`,
  );
  await db.end();
  if (rows[0].n !== 2 * count || history.rows[0].n !== count || history.rows[0].applied !== count) {
    failures.push(
      `round ${round}: ${rows[0].n} tables, ${history.rows[0].n} history rows (${history.rows[0].applied} applied), expected ${2 * count} and ${count}`,
    );
  }
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
}
await admin.end();
for (const f of failures) console.error(f);
console.log(
  `kill loop: ${rounds} rounds x ${count} migrations, ${kills} SIGKILLs, ${runs} runs (${runs - kills} completed), failures: ${failures.length}`,
);
process.exitCode = failures.length === 0 ? 0 : 1;
