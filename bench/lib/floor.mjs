/**
 * The floor: the same DDL run by a plain driver script, one transaction per migration, nothing
 * recorded. Run as its own process like the tools, so it pays the same Node start-up.
 * usage: node floor.mjs sqlite|postgres|mysql <file-or-url> <statements.json>
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [engine, target, list] = process.argv.slice(2);
const statements = JSON.parse(readFileSync(list, 'utf8'));

if (engine === 'sqlite') {
  const Database = require('better-sqlite3');
  const db = new Database(target);
  for (const sql of statements) db.exec(`BEGIN; ${sql} COMMIT;`);
  db.close();
} else if (engine === 'mysql') {
  // DDL commits implicitly on MySQL: a transaction around it would add nothing but round trips.
  const mysql = require('mysql2/promise');
  const connection = await mysql.createConnection({ uri: target });
  for (const sql of statements) await connection.query(sql);
  await connection.end();
} else {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  // One simple-protocol round trip per migration: BEGIN, the DDL and COMMIT together.
  for (const sql of statements) await client.query(`BEGIN; ${sql} COMMIT;`);
  await client.end();
}
