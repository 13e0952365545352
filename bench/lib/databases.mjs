/**
 * Fresh databases for the bench: a new SQLite file, or a new PostgreSQL or MariaDB/MySQL database
 * created on the admin URL and dropped afterwards. Creating and dropping is never inside a timed run.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let counter = 0;

export async function createDatabase(engine, { dir, pgUrl, mysqlUrl }) {
  counter += 1;
  if (engine === 'mysql') {
    const name = `modkit_bench_${process.pid}_${counter}`;
    await mysqlAdmin(mysqlUrl, `CREATE DATABASE ${name}`);
    const url = new URL(mysqlUrl);
    url.pathname = `/${name}`;
    return {
      modkitUrl: url.toString(),
      floorUrl: url.toString(),
      knexEnv: { BENCH_ENGINE: 'mysql', BENCH_DB_URL: url.toString() },
      drop: () => mysqlAdmin(mysqlUrl, `DROP DATABASE IF EXISTS ${name}`),
    };
  }
  if (engine === 'sqlite') {
    const file = join(dir, `db-${counter}.sqlite`);
    return {
      modkitUrl: `sqlite:${file}`,
      floorUrl: file,
      knexEnv: { BENCH_ENGINE: 'sqlite', BENCH_DB_FILE: file },
      drop: async () => {
        for (const suffix of ['', '-journal', '-wal', '-shm', '.modkit-lock', '.modkit-lock-journal'])
          rmSync(file + suffix, { force: true });
      },
    };
  }
  const name = `modkit_bench_${process.pid}_${counter}`;
  await admin(pgUrl, `CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return {
    modkitUrl: url.toString(),
    floorUrl: url.toString(),
    knexEnv: { BENCH_ENGINE: 'postgres', BENCH_DB_URL: url.toString() },
    drop: () => admin(pgUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(pgUrl, sql) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function mysqlAdmin(mysqlUrl, sql) {
  const mysql = require('mysql2/promise');
  const connection = await mysql.createConnection({ uri: mysqlUrl });
  try {
    return (await connection.query(sql))[0];
  } finally {
    await connection.end();
  }
}

export async function mysqlServerVersion(mysqlUrl) {
  return (await mysqlAdmin(mysqlUrl, 'SELECT VERSION() AS v'))[0].v;
}

export async function serverVersion(pgUrl) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}
