/**
 * The floor of a schema fleet's apply: what the server must do anyway, sent by plain `pg` clients
 * with nothing of modkit (no lock, no history read, no planning): per schema, CREATE SCHEMA, then
 * per module its history table and each migration with its history row, each in an asynchronously
 * committed transaction, and one synchronous commit per schema at the end — modkit's own SQL, in
 * modkit's order. `parallel` clients share the schemas. Returns the wall time in ms.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);

export async function fleetFloor({ url, schemas, projectDir, parallel }) {
  const pg = require('pg');
  const modules = readdirSync(join(projectDir, 'modules')).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const bodies = modules.map((m) => {
    const dir = join(projectDir, 'modules', m, 'migrations');
    return {
      module: m,
      files: readdirSync(dir)
        .sort()
        .map((f) => ({ id: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') })),
    };
  });
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      while (next < schemas.length) {
        const schema = schemas[next++];
        await client.query(
          `BEGIN; SET LOCAL synchronous_commit TO off; CREATE SCHEMA "${schema}"; COMMIT; SET search_path TO "${schema}"`,
        );
        for (const { module, files } of bodies) {
          const history = `"${schema}"."modkit_migrations__${module}"`;
          await client.query(
            `BEGIN; SET LOCAL synchronous_commit TO off; CREATE TABLE IF NOT EXISTS ${history} (version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, checksum VARCHAR(64), duration_ms INTEGER, state VARCHAR(16), run_id VARCHAR(36)); COMMIT`,
          );
          for (const f of files)
            await client.query(
              `BEGIN; SET LOCAL synchronous_commit TO off; ${f.sql}\n; INSERT INTO ${history} (version, checksum, state) VALUES ('${f.id}', 'x', 'applied'); COMMIT`,
            );
        }
        await client.query('BEGIN; SELECT txid_current(); COMMIT');
      }
    } finally {
      await client.end();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return performance.now() - started;
}
