/**
 * The Rust `modkit` runtime's migration runner (hypernetix/hyperspot,
 * libs/modkit-db/src/migration_runner.rs), replayed statement for statement against a test
 * database: `ensure_migration_table`, `get_applied_migrations`, and `run_module_migrations`
 * (sorted by name; per migration BEGIN, the migration's DDL, `record_migration`, COMMIT). The SQL
 * strings below are the runner's own, byte for byte apart from the table name it formats in, so a
 * test that passes here passes against the real runtime's writes.
 */
import { historyTableName } from '../../src/db/history-table-name.js';
import type { TestTarget } from './engines.js';

/** One migration as the Rust runner sees it: a name and the DDL its `up` executes. */
export interface RustMigration {
  readonly name: string;
  readonly sql: string;
}

/** The runner's statements for one backend (DatabaseBackend::Postgres / Sqlite / MySql), verbatim. */
function statementsFor(engine: TestTarget['engine'], table: string) {
  switch (engine) {
    case 'postgres':
      return {
        create: `
            CREATE TABLE IF NOT EXISTS "${table}" (
                version VARCHAR(255) PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
            )
            `,
        select: `SELECT version FROM "${table}"`,
        insert: `INSERT INTO "${table}" (version) VALUES ($1)`,
      };
    case 'sqlite':
      return {
        create: `
            CREATE TABLE IF NOT EXISTS "${table}" (
                version TEXT PRIMARY KEY,
                applied_at TEXT NOT NULL DEFAULT (datetime('now'))
            )
            `,
        select: `SELECT version FROM "${table}"`,
        insert: `INSERT INTO "${table}" (version) VALUES ($1)`,
      };
    case 'mysql':
      return {
        create: `
            CREATE TABLE IF NOT EXISTS \`${table}\` (
                version VARCHAR(255) PRIMARY KEY,
                applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
            )
            `,
        select: `SELECT version FROM \`${table}\``,
        insert: `INSERT INTO \`${table}\` (version) VALUES (?)`,
      };
    default:
      throw new Error(`the Rust runtime replay has no ${String(engine)} backend yet`);
  }
}

/** A connection through the same drivers the tests use, running statements one at a time. */
interface Conn {
  exec(sql: string): Promise<void>;
  select(sql: string): Promise<string[]>;
  insert(sql: string, version: string): Promise<void>;
  close(): Promise<void>;
}

async function connect(target: TestTarget): Promise<Conn> {
  if (target.engine === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(target.file!);
    return {
      exec: async (sql) => void db.exec(sql),
      select: async (sql) => (db.prepare(sql).all() as { version: string }[]).map((r) => r.version),
      // sqlx binds `$1` by position; better-sqlite3 binds it as the parameter named "1".
      insert: async (sql, version) => void db.prepare(sql).run({ 1: version }),
      close: async () => void db.close(),
    };
  }
  if (target.engine === 'mysql') {
    // sqlx's MySQL driver: statements one at a time, `?` bound by position.
    const { default: mysql } = await import('mysql2/promise');
    const connection = await mysql.createConnection({ uri: target.url });
    return {
      exec: async (sql) => void (await connection.query(sql)),
      select: async (sql) => ((await connection.query(sql))[0] as { version: string }[]).map((r) => r.version),
      insert: async (sql, version) => void (await connection.execute(sql, [version])),
      close: () => connection.end(),
    };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  return {
    exec: async (sql) => void (await client.query(sql)),
    select: async (sql) => (await client.query<{ version: string }>(sql)).rows.map((r) => r.version),
    insert: async (sql, version) => void (await client.query(sql, [version])),
    close: () => client.end(),
  };
}

/** What one `run_migrations_for_module` call did. */
export interface RustRunResult {
  readonly applied: readonly string[];
  readonly skipped: readonly string[];
}

/**
 * `run_migrations_for_module(db, module, migrations)`: creates the table if needed, reads what is
 * applied, then applies the rest sorted by name, each in its own transaction with its history row.
 */
export async function runRustMigrations(
  target: TestTarget,
  module: string,
  migrations: readonly RustMigration[],
): Promise<RustRunResult> {
  const sql = statementsFor(target.engine, await historyTableName(module));
  const conn = await connect(target);
  try {
    await conn.exec(sql.create);
    const applied = new Set(await conn.select(sql.select));
    const result = { applied: [] as string[], skipped: [] as string[] };
    for (const migration of [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (applied.has(migration.name)) {
        result.skipped.push(migration.name);
        continue;
      }
      await conn.exec('BEGIN');
      try {
        await conn.exec(migration.sql);
        await conn.insert(sql.insert, migration.name);
        await conn.exec('COMMIT');
      } catch (error) {
        await conn.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await conn.close();
  }
}

/** `get_applied_migrations`: the versions the Rust runtime sees as applied. */
export async function rustAppliedVersions(target: TestTarget, module: string): Promise<string[]> {
  const sql = statementsFor(target.engine, await historyTableName(module));
  const conn = await connect(target);
  try {
    return (await conn.select(sql.select)).sort();
  } finally {
    await conn.close();
  }
}

/** `ensure_migration_table` alone: the empty table exactly as the Rust runtime creates it. */
export async function createRustHistoryTable(target: TestTarget, module: string): Promise<void> {
  const sql = statementsFor(target.engine, await historyTableName(module));
  const conn = await connect(target);
  try {
    await conn.exec(sql.create);
  } finally {
    await conn.close();
  }
}
