/**
 * Generates the benchmark workload in a directory: the same DDL as a modkit project and as a flat
 * knex migration directory with its knexfile, plus the statement list the floor script runs.
 *
 * Module k (m000, m001, ...) depends on module floor((k-1)/2): a binary tree, so modules of one
 * depth are independent of each other (what --concurrency can use). Module 0 is a system module.
 * Names are zero-padded so that modkit's system-first order and knex's file-name order agree.
 *
 * Both tools load plain JavaScript: modkit's module files are .mjs and knex's migrations .js
 * (CommonJS, knex's default), so neither pays for a TypeScript transpiler.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function generateWorkload(dir, { modules, migrations, modkitFormat, nodeModules }) {
  const width = Math.max(3, String(modules - 1).length);
  const moduleName = (k) => `m${String(k).padStart(width, '0')}`;
  const modkitDir = join(dir, 'modkit');
  const knexDir = join(dir, 'knex');
  const knexMigrations = join(knexDir, 'migrations');
  mkdirSync(knexMigrations, { recursive: true });
  // knex's CLI looks for a local knex next to the knexfile; point it at the repo's own copy.
  symlinkSync(nodeModules, join(dir, 'node_modules'), 'dir');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'modkit-bench-workload', private: true, type: 'commonjs' }),
  );
  mkdirSync(modkitDir, { recursive: true });
  writeFileSync(join(modkitDir, 'modkit.config.mjs'), "export default { modules: ['modules/*/module.mjs'] };\n");

  const statements = [];
  for (let k = 0; k < modules; k += 1) {
    const name = moduleName(k);
    const moduleDir = join(modkitDir, 'modules', name);
    const migrationsDir = join(moduleDir, 'migrations');
    mkdirSync(migrationsDir, { recursive: true });
    const deps = k === 0 ? [] : [moduleName(Math.floor((k - 1) / 2))];
    writeFileSync(
      join(moduleDir, 'module.mjs'),
      `export default {\n  name: '${name}',\n  deps: ${JSON.stringify(deps)},\n  system: ${k === 0},\n  migrations: './migrations',\n};\n`,
    );
    for (let i = 1; i <= migrations; i += 1) {
      const id = `${String(i).padStart(4, '0')}_t${i}`;
      const table = `${name}_t${i}`;
      const up = `CREATE TABLE ${table} (\n  id INTEGER PRIMARY KEY,\n  name VARCHAR(100) NOT NULL,\n  created_at BIGINT\n);\n`;
      const down = `DROP TABLE ${table};\n`;
      statements.push(up);
      if (modkitFormat === 'mjs') {
        writeFileSync(join(migrationsDir, `${id}.mjs`), scriptMigration(up, down, false));
      } else {
        writeFileSync(join(migrationsDir, `${id}.up.sql`), up);
        writeFileSync(join(migrationsDir, `${id}.down.sql`), down);
      }
      writeFileSync(join(knexMigrations, `${name}_${id}.js`), scriptMigration(up, down, true));
    }
  }
  writeFileSync(join(knexDir, 'knexfile.js'), KNEXFILE);
  writeFileSync(join(dir, 'floor.json'), JSON.stringify(statements));
  return {
    modkitConfig: join(modkitDir, 'modkit.config.mjs'),
    knexfile: join(knexDir, 'knexfile.js'),
    floorStatements: join(dir, 'floor.json'),
    total: modules * migrations,
  };
}

function scriptMigration(up, down, commonJs) {
  if (commonJs) {
    return `exports.up = function (knex) {\n  return knex.raw(${JSON.stringify(up)});\n};\nexports.down = function (knex) {\n  return knex.raw(${JSON.stringify(down)});\n};\n`;
  }
  return `export async function up(db) {\n  await db.raw(${JSON.stringify(up)});\n}\nexport async function down(db) {\n  await db.raw(${JSON.stringify(down)});\n}\n`;
}

// The engine and database come from the environment so that one knexfile serves every run.
const KNEXFILE = `const path = require('node:path');
const migrations = { directory: path.join(__dirname, 'migrations') };
module.exports =
  process.env.BENCH_ENGINE === 'postgres'
    ? { client: 'pg', connection: process.env.BENCH_DB_URL, migrations }
    : process.env.BENCH_ENGINE === 'mysql'
    ? { client: 'mysql2', connection: { uri: process.env.BENCH_DB_URL }, migrations }
    : { client: 'better-sqlite3', connection: { filename: process.env.BENCH_DB_FILE }, useNullAsDefault: true, migrations };
`;
