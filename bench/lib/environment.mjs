/** What the numbers were measured on: machine, Node, tool and driver versions. */
import { cpus, totalmem, release, platform } from 'node:os';
import { createRequire } from 'node:module';
import { mysqlServerVersion, serverVersion } from './databases.mjs';

const require = createRequire(import.meta.url);

export async function describeEnvironment({ engines, pgUrl, mysqlUrl, repo }) {
  const version = (name) => require(`${name}/package.json`).version;
  const Database = require('better-sqlite3');
  const memory = new Database(':memory:');
  const sqlite = memory.prepare('select sqlite_version() as v').get().v;
  memory.close();
  return {
    cpu: `${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    modkit: require(`${repo}/package.json`).version,
    knex: version('knex'),
    pg: version('pg'),
    betterSqlite3: version('better-sqlite3'),
    sqlite,
    postgres: engines.includes('postgres') ? await serverVersion(pgUrl) : undefined,
    mysql2: version('mysql2'),
    mysql: engines.includes('mysql') ? await mysqlServerVersion(mysqlUrl) : undefined,
    // Node 20 reads and parses every certificate of this file when it starts, before any script:
    // on this project's machine (the system's 220 KB bundle) `node -e ''` took 84 ms instead of 32.
    // Every tool and the floor pay it alike; it is named because it raises every no-op ratio.
    extraCaCerts: process.env.NODE_EXTRA_CA_CERTS,
  };
}
