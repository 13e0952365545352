#!/usr/bin/env node
/**
 * `node bench/run.mjs fleet` (or `npm run bench -- fleet`): one project migrated across a fleet.
 * The workload of issue 13: 10 modules x 2 migrations, 1,000 tenant schemas in one PostgreSQL
 * database (20,000 migrations), and 100 tenant databases. Measured as whole `modkit` processes
 * (wall time and peak RSS): apply, a no-op pass and `status` over every tenant, `--parallel`
 * 1/2/4/8, and peak RSS at 100 and 1,000 targets. The machine may be shared: each number is the
 * median (and min) of several runs, interleaved. Progress on stderr, the table on stdout.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, rssSource } from './lib/measure.mjs';
import { summarize } from './lib/stats.mjs';
import { fleetFloor } from './lib/fleet-floor.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');
const repo = fileURLToPath(new URL('..', import.meta.url));
// MODKIT_BENCH_BIN: a snapshot of the build, so that rebuilding the checkout cannot change a long run.
const bin = process.env.MODKIT_BENCH_BIN ?? join(repo, 'bin', 'modkit.js');
const log = (line) => process.stderr.write(`${line}\n`);

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'fleet'),
  options: {
    tenants: { type: 'string', default: '1000' },
    databases: { type: 'string', default: '100' },
    reps: { type: 'string', default: '3' },
    'apply-reps': { type: 'string', default: '1' },
    'curve-tenants': { type: 'string', default: '200' },
    'floor-only': { type: 'boolean', default: false },
    'scale-tenants': { type: 'string', default: '0' },
    parallel: { type: 'string', default: '1,2,4,8' },
    'pg-url': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: node bench/run.mjs fleet [--tenants 1000] [--databases 100] [--reps 3] [--apply-reps 1] [--parallel 1,2,4,8] ' +
      '[--curve-tenants 200] [--scale-tenants 10000] [--floor-only] [--pg-url URL]',
  );
  process.exit(0);
}
const tenants = Number(values.tenants);
const databaseCount = Number(values.databases);
const reps = Number(values.reps);
const applyReps = Number(values['apply-reps']);
const parallels = values.parallel.split(',').map(Number);
const curveTenants = Math.min(Number(values['curve-tenants']), tenants);
const DEFAULT_PARALLEL = 4;
const pgUrl =
  values['pg-url'] ??
  process.env.MODKIT_BENCH_PG_URL ??
  process.env.MODKIT_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql, url = pgUrl) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
const dbUrl = (name) => {
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/** 10 modules x 2 migrations: a table, then an index and a column on it. Module k depends on k-1. */
function writeProject(dir) {
  writeFileSync(join(dir, 'modkit.config.mjs'), "export default { modules: ['modules/*/module.mjs'] };\n");
  for (let k = 0; k < 10; k += 1) {
    const name = `m${k}`;
    const migrations = join(dir, 'modules', name, 'migrations');
    mkdirSync(migrations, { recursive: true });
    writeFileSync(
      join(dir, 'modules', name, 'module.mjs'),
      `export default { name: '${name}', deps: ${JSON.stringify(k === 0 ? [] : [`m${k - 1}`])}, migrations: './migrations' };\n`,
    );
    writeFileSync(
      join(migrations, '0001_create.sql'),
      `CREATE TABLE ${name}_items (\n  id BIGINT PRIMARY KEY,\n  name VARCHAR(100) NOT NULL,\n  created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n);\n`,
    );
    writeFileSync(
      join(migrations, '0002_index.sql'),
      `ALTER TABLE ${name}_items ADD COLUMN note TEXT;\nCREATE INDEX ${name}_items_name ON ${name}_items (name);\n`,
    );
  }
}

const dir = mkdtempSync(join(tmpdir(), 'modkit-bench-fleet-'));
writeProject(dir);
const run = (args, extra = []) =>
  measure([process.execPath, bin, ...args, '-c', join(dir, 'modkit.config.mjs'), ...extra], { cwd: dir });
const stat = (samples) => summarize(samples);
const rows = [];
const row = (scenario, targets, parallel, s) => {
  rows.push({ scenario, targets, parallel, ...s });
  log(
    `  ${scenario} x${targets} --parallel ${parallel}: median ${(s.medianMs / 1000).toFixed(2)} s, min ${(s.minMs / 1000).toFixed(2)} s, peak RSS ${s.peakRssMb?.toFixed(0)} MB`,
  );
};

const schemaDb = `modkit_bench_fleet_${process.pid}`;
const resetSchemaDb = async () => {
  await admin(`DROP DATABASE IF EXISTS ${schemaDb} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${schemaDb}`);
};
const schemaFile = (n) => {
  const file = join(dir, `schemas-${n}.txt`);
  writeFileSync(
    file,
    Array.from({ length: n }, (_, i) => `${dbUrl(schemaDb)} schema=tenant_${String(i + 1).padStart(5, '0')}`).join(
      '\n',
    ),
  );
  return file;
};
const databaseNames = Array.from({ length: databaseCount }, (_, i) => `modkit_bench_tenant_${process.pid}_${i + 1}`);

try {
  unsetEnv();
  log(
    `fleet bench in ${dir}: ${tenants} schemas, ${databaseCount} databases, reps ${reps} (apply ${applyReps}); peak RSS by ${rssSource}`,
  );
  const all = schemaFile(tenants);
  const hundred = join(dir, 'schemas-100.txt');
  writeFileSync(
    hundred,
    Array.from(
      { length: Math.min(100, tenants) },
      (_, i) => `${dbUrl(schemaDb)} schema=tenant_${String(i + 1).padStart(5, '0')}`,
    ).join('\n'),
  );

  // The --parallel curve of apply on the first `curve-tenants` schemas (an apply of all of them at
  // --parallel 1 takes minutes), then apply over every schema at the default; the database is
  // recreated before each run, untimed.
  const curve = schemaFile(curveTenants);
  const curveSamples = Object.fromEntries(parallels.map((p) => [p, []]));
  for (let r = 0; r < applyReps; r += 1) {
    for (const p of parallels) {
      await resetSchemaDb();
      curveSamples[p].push(await run(['migrate', '--only', '--targets', curve, '--parallel', String(p), '--quiet']));
    }
  }
  for (const p of parallels) row('apply', curveTenants, p, stat(curveSamples[p]));
  // The floor of the same apply (bench/lib/fleet-floor.mjs), for where the limit is.
  const floorSamples = Object.fromEntries(parallels.map((p) => [p, []]));
  const curveSchemas = Array.from({ length: curveTenants }, (_, i) => `tenant_${String(i + 1).padStart(5, '0')}`);
  for (let r = 0; r < applyReps; r += 1) {
    for (const p of parallels) {
      await resetSchemaDb();
      floorSamples[p].push({
        ms: await fleetFloor({ url: dbUrl(schemaDb), schemas: curveSchemas, projectDir: dir, parallel: p }),
      });
    }
  }
  for (const p of parallels) row('floor: the same SQL from plain pg clients', curveTenants, p, stat(floorSamples[p]));
  if (values['floor-only']) throw Object.assign(new Error('floor only'), { done: true });
  const applyAll = [];
  for (let r = 0; r < applyReps; r += 1) {
    await resetSchemaDb();
    applyAll.push(
      await run(['migrate', '--only', '--targets', all, '--parallel', String(DEFAULT_PARALLEL), '--quiet']),
    );
  }
  row('apply', tenants, DEFAULT_PARALLEL, stat(applyAll));
  // No-op pass and status over every schema (everything applied by the last apply), interleaved.
  const noop = Object.fromEntries(parallels.map((p) => [p, []]));
  const status = Object.fromEntries(parallels.map((p) => [p, []]));
  const noop100 = [];
  const status100 = [];
  for (let r = 0; r < reps; r += 1) {
    for (const p of parallels) {
      noop[p].push(await run(['migrate', '--only', '--targets', all, '--parallel', String(p), '--quiet']));
      status[p].push(await run(['status', '--targets', all, '--parallel', String(p), '--quiet']));
    }
    noop100.push(await run(['migrate', '--only', '--targets', hundred, '--quiet']));
    status100.push(await run(['status', '--targets', hundred, '--quiet']));
  }
  for (const p of parallels) row('no-op', tenants, p, stat(noop[p]));
  for (const p of parallels) row('status', tenants, p, stat(status[p]));
  row('no-op', Math.min(100, tenants), DEFAULT_PARALLEL, stat(noop100));
  row('status', Math.min(100, tenants), DEFAULT_PARALLEL, stat(status100));

  // The scale row (issue 25): apply, no-op and status over --scale-tenants schemas, each against
  // the same figure at --tenants (linear: growth ≈ the ratio of the counts), and peak RSS ≤ 150 MB.
  const scaleTenants = Number(values['scale-tenants']);
  if (scaleTenants > 0) {
    const big = schemaFile(scaleTenants);
    await resetSchemaDb();
    const at = (scenario) =>
      rows.find((r) => r.scenario === scenario && r.targets === tenants && r.parallel === DEFAULT_PARALLEL);
    const scaled = (scenario, s) => {
      const base = at(scenario);
      const growth = base ? s.medianMs / base.medianMs : NaN;
      row(
        `${scenario} (scale: x${(scaleTenants / tenants).toFixed(0)} schemas, growth ${growth.toFixed(1)}x, RSS ≤ 150 MB ${s.peakRssMb <= 150 ? 'ok' : 'MISSED'})`,
        scaleTenants,
        DEFAULT_PARALLEL,
        s,
      );
    };
    scaled('apply', stat([await run(['migrate', '--only', '--targets', big, '--quiet'])]));
    const bigNoop = [];
    const bigStatus = [];
    for (let r = 0; r < reps; r += 1) {
      bigNoop.push(await run(['migrate', '--only', '--targets', big, '--quiet']));
      bigStatus.push(await run(['status', '--targets', big, '--quiet']));
    }
    scaled('no-op', stat(bigNoop));
    scaled('status', stat(bigStatus));
  }
  await admin(`DROP DATABASE IF EXISTS ${schemaDb} WITH (FORCE)`);

  // A database per tenant.
  if (databaseCount > 0) {
    const file = join(dir, 'databases.txt');
    writeFileSync(file, databaseNames.map((n) => dbUrl(n)).join('\n'));
    const recreate = async () => {
      for (const n of databaseNames) await admin(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
      for (const n of databaseNames) await admin(`CREATE DATABASE ${n}`);
    };
    for (let r = 0; r < applyReps; r += 1) {
      for (const p of [1, 4]) {
        await recreate();
        row(
          'apply (db per tenant)',
          databaseCount,
          p,
          stat([await run(['migrate', '--only', '--targets', file, '--parallel', String(p), '--quiet'])]),
        );
      }
    }
    const dbNoop = [];
    const dbStatus = [];
    for (let r = 0; r < reps; r += 1) {
      dbNoop.push(await run(['migrate', '--only', '--targets', file, '--quiet']));
      dbStatus.push(await run(['status', '--targets', file, '--quiet']));
    }
    row('no-op (db per tenant)', databaseCount, DEFAULT_PARALLEL, stat(dbNoop));
    row('status (db per tenant)', databaseCount, DEFAULT_PARALLEL, stat(dbStatus));
  }
} catch (error) {
  if (!error.done) throw error;
} finally {
  await admin(`DROP DATABASE IF EXISTS ${schemaDb} WITH (FORCE)`).catch(() => undefined);
  for (const n of databaseNames) await admin(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

console.log('| scenario | targets | --parallel | median | min | peak RSS |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.scenario} | ${r.targets} | ${r.parallel} | ${(r.medianMs / 1000).toFixed(2)} s | ${(r.minMs / 1000).toFixed(2)} s | ${r.peakRssMb?.toFixed(0) ?? '?'} MB |`,
  );

function unsetEnv() {
  delete process.env.MODKIT_DATABASE_URL;
}
