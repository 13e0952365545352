import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { POSTGRES_LOCK_KEY } from '../../src/db/lock-key.js';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { copyExample } from '../support/example-copy.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import { redact } from '../support/postgres.js';
import { runCli, startCli } from '../support/run-cli.js';

let pg: TestTarget;
let sqliteDir: string;
let sqlite: TestTarget;
let project: FixtureProject;

beforeEach(async () => {
  pg = await createTarget('postgres');
  sqliteDir = await mkdtemp(join(tmpdir(), 'modkit-manydb-'));
  const file = join(sqliteDir, 'audit.sqlite');
  sqlite = { engine: 'sqlite', url: `sqlite:${file}`, file, dispose: async () => undefined };
});
afterEach(async () => {
  await pg?.dispose();
  await rm(sqliteDir, { recursive: true, force: true });
  await project?.cleanup();
});

const versions = async (target: TestTarget, module: string) =>
  (
    await queryTarget<{ version: string }>(
      target,
      `SELECT version FROM ${await historyTableName(module)} ORDER BY version`,
    )
  ).map((r) => r.version);

describe('a JSON config with ${VAR} references and a module in a database of its own', () => {
  const modules: FixtureModule[] = [
    {
      name: 'platform',
      system: true,
      migrations: { '0001_settings.sql': 'CREATE TABLE settings (k VARCHAR(20) PRIMARY KEY);' },
    },
    {
      name: 'audit',
      deps: ['platform'],
      migrations: { '0001_events.sql': 'CREATE TABLE audit_events (id INTEGER PRIMARY KEY);' },
    },
    {
      name: 'billing',
      deps: ['audit'],
      migrations: { '0001_invoices.sql': 'CREATE TABLE invoices (id INTEGER PRIMARY KEY);' },
    },
  ];
  const writeJsonConfig = async (extra: Record<string, unknown> = {}) => {
    project = await createFixtureProject(modules);
    await project.remove('modkit.config.mjs');
    const config = {
      modules: ['modules/*/module.mjs'],
      database: { url: '${APP_DATABASE_URL}' },
      modulesConfig: { audit: { database: { url: 'sqlite:${AUDIT_DIR}/audit.sqlite' } } },
      ...extra,
    };
    await project.write('modkit.config.json', JSON.stringify(config, null, 2));
    return join(project.dir, 'modkit.config.json');
  };

  it('expands the variables, migrates each module into its database, and names the database per module in text and JSON', async () => {
    const config = await writeJsonConfig();
    const env = { APP_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/unused', AUDIT_DIR: sqliteDir };
    const first = await runCli(['migrate', '--only', '-c', config, '--database-url', pg.url, '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    // The first line says where everything goes, and that --database-url moved only the default.
    expect(first.stderr.split('\n')[0]).toBe(
      `Using PostgreSQL ${redact(pg.url)} (from --database-url); a module with its own database (--database-url does not move it): audit in SQLite ${sqlite.file}`,
    );
    const doc = JSON.parse(first.stdout);
    expect(doc.database).toMatchObject({ engine: 'postgres', source: 'flag' });
    expect(doc.databases).toEqual([
      {
        engine: 'postgres',
        url: redact(pg.url),
        source: 'flag',
        from: '--database-url',
        default: true,
        modules: ['platform', 'billing'],
      },
      { engine: 'sqlite', url: sqlite.url, source: 'config', path: sqlite.file, default: false, modules: ['audit'] },
    ]);
    expect(doc.migrations.map((m: { module: string; database: string }) => [m.module, m.database])).toEqual([
      ['platform', redact(pg.url)],
      ['audit', sqlite.url],
      ['billing', redact(pg.url)],
    ]);
    expect(await versions(sqlite, 'audit')).toEqual(['0001_events']);
    expect(await versions(pg, 'billing')).toEqual(['0001_invoices']);
    expect(await tableNames(pg)).not.toContain('audit_events');

    const status = await runCli(['status', '-c', config, '--database-url', pg.url], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`\\naudit +1 +0 +0001_events at [^\\n]+  \\(SQLite ${sqlite.file}\\)\\n`));
    expect(status.stdout).toMatch(/\nbilling +1 +0 +0001_invoices at [^\n(]+\n/);
    const statusJson = JSON.parse(
      (await runCli(['status', '-c', config, '--database-url', pg.url, '--json'], { env })).stdout,
    );
    expect(statusJson.modules.map((m: { name: string; database: string }) => [m.name, m.database])).toEqual([
      ['platform', redact(pg.url)],
      ['audit', sqlite.url],
      ['billing', redact(pg.url)],
    ]);

    const again = await runCli(['migrate', '--only', '-c', config, '--database-url', pg.url], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Nothing to migrate: 3 modules across 2 databases up to date/);

    const graph = await runCli(['graph', '-c', config], { env });
    expect(graph.stdout).toContain(`audit\n  -> platform\n  database: SQLite ${sqlite.file}\n`);
  });

  it('an unset variable is exit 2 naming the variable, the setting and the file; nothing is touched', async () => {
    const config = await writeJsonConfig();
    const result = await runCli(['migrate', '--only', '-c', config, '--database-url', pg.url, '--json'], {
      env: { AUDIT_DIR: undefined },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${config}: "modulesConfig.audit.database.url" uses \${AUDIT_DIR}, but the environment variable AUDIT_DIR is not set`,
    );
    // database.url is overridden by --database-url, so its unset variable is no error.
    expect(result.stderr).not.toContain('APP_DATABASE_URL');
    expect(JSON.parse(result.stdout).error.kind).toBe('usage');
    expect(await tableNames(pg)).toEqual([]);
  });

  it('an unset variable in runtime.url fails only the run that opens ctx.db', async () => {
    const config = await writeJsonConfig({ runtime: { url: '${APP_RUNTIME_URL}' } });
    const env = { AUDIT_DIR: sqliteDir };
    const only = await runCli(['migrate', '--only', '-c', config, '--database-url', pg.url], { env });
    expect(only.code, only.stderr).toBe(0);
    const run = await runCli(['run', '-c', config, '--database-url', pg.url], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '"runtime.url" uses ${APP_RUNTIME_URL}, but the environment variable APP_RUNTIME_URL is not set',
    );
  });

  it('a database configured for a module that does not exist is exit 2 with a did-you-mean', async () => {
    const config = await writeJsonConfig({ modulesConfig: { audits: { database: { url: sqlite.url } } } });
    const result = await runCli(['migrate', '--only', '-c', config, '--database-url', pg.url], { env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '"modulesConfig.audits.database" is set, but there is no module "audits" (did you mean "audit"?)',
    );
  });
});

describe('the shop example with audit-log in a database of its own (docs/databases.md)', () => {
  it('migrates every module into its database from migrations-examples/shop/modkit.many-databases.config.json', async () => {
    const shop = await copyExample('shop');
    try {
      const config = join(shop.dir, 'modkit.many-databases.config.json');
      const env = { SHOP_DATABASE_URL: pg.url, AUDIT_DATABASE_URL: sqlite.url };
      const result = await runCli(['migrate', '--only', '-c', config, '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      const doc = JSON.parse(result.stdout);
      expect(doc.summary.applied).toBe(9);
      expect(doc.databases.map((d: { engine: string; modules: string[] }) => [d.engine, d.modules])).toEqual([
        ['postgres', ['platform', 'catalog', 'customers', 'orders', 'mailer', 'storefront']],
        ['sqlite', ['audit-log']],
      ]);
      expect(await tableNames(sqlite)).toContain('audit_events');
      expect(await tableNames(pg)).toContain('orders');
      expect(await tableNames(pg)).not.toContain('audit_events');
    } finally {
      await shop.cleanup();
    }
  });
});

/**
 * core (system) and alpha live in PostgreSQL, beta in SQLite. Two configs place them the same way
 * but swap which database is the default: a runner that locked "its default first" would take the
 * two locks in opposite orders and deadlock against a runner of the other config.
 */
function spanningProject(slowBeta = false): FixtureModule[] {
  const pgMigration = (table: string) => `CREATE TABLE ${table} (id INTEGER PRIMARY KEY);\nSELECT pg_sleep(0.1);`;
  const sqliteMigration = (table: string) =>
    `export async function up(db) { await db.raw('CREATE TABLE ${table} (id INTEGER PRIMARY KEY)'); await new Promise((r) => setTimeout(r, 100)); }`;
  return [
    { name: 'core', system: true, migrations: { '0001_c1.sql': pgMigration('c1'), '0002_c2.sql': pgMigration('c2') } },
    {
      name: 'alpha',
      deps: ['core'],
      migrations: { '0001_a1.sql': pgMigration('a1'), '0002_a2.sql': pgMigration('a2') },
    },
    {
      name: 'beta',
      deps: ['core'],
      migrations: {
        '0001_b1.mjs': slowBeta
          ? `import { writeFileSync } from 'node:fs';
export async function up(db) { await db.raw('CREATE TABLE b1 (id INTEGER PRIMARY KEY)'); writeFileSync(process.env.MODKIT_TEST_MARK, 'started'); await new Promise((r) => setTimeout(r, 60000)); }`
          : sqliteMigration('b1'),
        '0002_b2.mjs': sqliteMigration('b2'),
      },
    },
  ];
}

async function writeSwappedConfigs(): Promise<{ pgDefault: string; sqliteDefault: string }> {
  const pgDefault = join(project.dir, 'pg-default.config.mjs');
  const sqliteDefault = join(project.dir, 'sqlite-default.config.mjs');
  const body = (config: Record<string, unknown>) =>
    `export default ${JSON.stringify({ modules: ['modules/*/module.mjs'], ...config }, null, 2)};\n`;
  await project.write(
    'pg-default.config.mjs',
    body({ database: { url: pg.url }, modulesConfig: { beta: { database: { url: sqlite.url } } } }),
  );
  await project.write(
    'sqlite-default.config.mjs',
    body({
      database: { url: sqlite.url },
      modulesConfig: { core: { database: { url: pg.url } }, alpha: { database: { url: pg.url } } },
    }),
  );
  return { pgDefault, sqliteDefault };
}

describe('concurrent runners over a project spanning two databases', () => {
  it('apply every migration exactly once and never deadlock, whichever database their config calls the default', async () => {
    project = await createFixtureProject(spanningProject());
    const { pgDefault, sqliteDefault } = await writeSwappedConfigs();
    const configs = [pgDefault, sqliteDefault, pgDefault, sqliteDefault];
    const results = await Promise.all(
      configs.map((config) =>
        runCli(['migrate', '--only', '-c', config, '--lock-timeout', '30000', '--json'], { timeoutMs: 90_000 }),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const applied = results.map((r) => (JSON.parse(r.stdout) as { summary: { applied: number } }).summary.applied);
    // Whoever holds both locks applies everything; the others wait, then find nothing to do.
    expect(applied.filter((n) => n > 0)).toEqual([6]);
    expect(await versions(pg, 'core')).toEqual(['0001_c1', '0002_c2']);
    expect(await versions(pg, 'alpha')).toEqual(['0001_a1', '0002_a2']);
    expect(await versions(sqlite, 'beta')).toEqual(['0001_b1', '0002_b2']);
    const waits = results.flatMap((r) =>
      r.stderr.split('\n').filter((l) => l.startsWith('Waiting for the migration lock on ')),
    );
    expect(waits.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('a runner killed with SIGKILL while holding the locks of two databases', () => {
  it('leaves no lock behind: the next run takes both and finishes the work', async () => {
    project = await createFixtureProject(spanningProject(true));
    const { pgDefault, sqliteDefault } = await writeSwappedConfigs();
    const mark = join(sqliteDir, 'started');
    const runner = startCli(['migrate', '--only', '-c', pgDefault], { env: { MODKIT_TEST_MARK: mark } });
    // beta/0001_b1 (SQLite) runs after core and alpha (PostgreSQL): both locks are held now.
    for (let i = 0; i < 600 && !existsSync(mark); i++) await sleep(50);
    expect(existsSync(mark), runner.stderr()).toBe(true);
    runner.child.kill('SIGKILL');
    await runner.done;
    expect(await versions(pg, 'alpha')).toEqual(['0001_a1', '0002_a2']);
    expect(await tableNames(sqlite)).not.toContain('b1');

    await project.write(
      'modules/beta/migrations/0001_b1.mjs',
      "export async function up(db) { await db.raw('CREATE TABLE b1 (id INTEGER PRIMARY KEY)'); }",
    );
    // The other config takes the locks too (same order), well within its lock timeout.
    const next = await runCli(['migrate', '--only', '-c', sqliteDefault, '--lock-timeout', '10000', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(
      JSON.parse(next.stdout).migrations.map((m: { module: string; id: string }) => `${m.module}/${m.id}`),
    ).toEqual(['beta/0001_b1', 'beta/0002_b2']);
    expect(await versions(sqlite, 'beta')).toEqual(['0001_b1', '0002_b2']);
    const locks = await queryTarget(
      pg,
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      [Number(POSTGRES_LOCK_KEY & 0xffffffffn)],
    );
    expect(locks).toEqual([]);
  }, 120_000);
});
