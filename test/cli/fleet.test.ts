import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTableName } from '../../src/db/history-table-name.js';
import { createTarget, queryTarget, type TestTarget } from '../support/engines.js';
import { createFixtureProject, type FixtureModule, type FixtureProject } from '../support/project-fixture.js';
import { redact } from '../support/postgres.js';
import { BIN, runCli, startCli, type CliResult } from '../support/run-cli.js';

/** A small project: two modules, three migrations; `billing` depends on `users`. */
const MODULES: FixtureModule[] = [
  {
    name: 'users',
    migrations: {
      '0001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);',
      '0002_email.sql': 'ALTER TABLE users ADD COLUMN email VARCHAR(100);',
    },
  },
  {
    name: 'billing',
    deps: ['users'],
    migrations: { '0001_invoices.sql': 'CREATE TABLE invoices (id INTEGER PRIMARY KEY, user_id INTEGER);' },
  },
];
const PER_TARGET = 3;

let project: FixtureProject | undefined;
let database: TestTarget | undefined;
afterEach(async () => {
  await project?.cleanup();
  await database?.dispose();
  project = undefined;
  database = undefined;
});

interface TargetEntry {
  target: string;
  schema?: string;
  origin: string;
  result: 'ok' | 'failed' | 'skipped';
  exitCode: number | null;
  applied?: number;
  skipped?: string;
  error: { kind: string; message: string } | null;
}
interface FleetDocument {
  command: string;
  exitCode: number;
  targets: TargetEntry[];
  summary: {
    targets: number;
    ok: number;
    failed: number;
    skipped: number;
    exitCode: number;
    applied?: number;
    stoppedBy?: string;
  };
}

const parse = (result: CliResult): FleetDocument => {
  try {
    return JSON.parse(result.stdout) as FleetDocument;
  } catch {
    throw new Error(`not one JSON document (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
};
const fleet = (args: string[], env?: Record<string, string>) =>
  runCli([...args, '-c', project!.configPath], { cwd: project!.dir, timeoutMs: 120_000, ...(env ? { env } : {}) });
const pgQuery = async <T>(url: string, sql: string): Promise<T[]> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
};
const byTarget = (doc: FleetDocument) => new Map(doc.targets.map((t) => [t.schema ?? t.target, t]));

describe('a fleet of 30 SQLite databases with one tenant broken', () => {
  it('migrates the 29 others, exits 1 with one JSON entry per target, and the rerun after the fix migrates only the broken tenant', async () => {
    project = await createFixtureProject(MODULES);
    const files = Array.from({ length: 30 }, (_, i) =>
      join(project!.dir, 'tenants', `t${String(i + 1).padStart(2, '0')}.db`),
    );
    await project.write('targets.txt', `# one database per tenant\n${files.map((f) => `sqlite:${f}`).join('\n')}\n`);
    // Tenant 17 already has an "invoices" table: billing's first migration fails there only.
    const broken = {
      engine: 'sqlite' as const,
      url: `sqlite:${files[16]}`,
      file: files[16]!,
      dispose: async () => undefined,
    };
    await project.write('tenants/.keep', '');
    await queryTarget(broken, 'CREATE TABLE invoices (legacy TEXT)');

    const first = await fleet(['migrate', '--only', '--targets', 'targets.txt', '--json']);
    expect(first.code, first.stderr).toBe(1);
    const doc = parse(first);
    expect(doc.command).toBe('migrate');
    expect(doc.exitCode).toBe(1);
    expect(doc.targets).toHaveLength(30);
    expect(doc.summary).toMatchObject({
      targets: 30,
      ok: 29,
      failed: 1,
      skipped: 0,
      exitCode: 1,
      applied: 29 * PER_TARGET + 2,
    });
    const bad = doc.targets.find((t) => t.result === 'failed')!;
    expect(bad).toMatchObject({ target: `sqlite:${files[16]}`, origin: 'targets.txt:18', exitCode: 1, applied: 2 });
    expect(bad.error!.message).toMatch(/billing\/0001_invoices/);
    for (const t of doc.targets.filter((x) => x !== bad))
      expect(t).toMatchObject({ result: 'ok', exitCode: 0, applied: PER_TARGET });
    // Human lines went to stderr under --json: one per target, and the summary.
    expect(first.stderr).toMatch(new RegExp(`FAILED  sqlite:${files[16]}: exit 1, migration-failed`));
    expect(first.stderr).toMatch(/Fleet: 30 targets: 29 ok, 1 failed \(exit 1: 1\)/);

    await queryTarget(broken, 'DROP TABLE invoices');
    const rerun = parse(await fleet(['migrate', '--only', '--targets', 'targets.txt', '--json']));
    expect(rerun.exitCode).toBe(0);
    const applied = rerun.targets.filter((t) => (t.applied ?? 0) > 0);
    expect(applied.map((t) => t.target)).toEqual([`sqlite:${files[16]}`]);
    expect(applied[0]!.applied).toBe(1);
    const rows = await queryTarget<{ version: string }>(
      broken,
      `SELECT version FROM ${await historyTableName('billing')}`,
    );
    expect(rows.map((r) => r.version)).toEqual(['0001_invoices']);
  });
});

describe('a fleet of 30 schemas in one PostgreSQL database with one tenant broken', () => {
  it('migrates the 29 others into their own schemas, and the rerun after the fix migrates only that tenant', async () => {
    database = await createTarget('postgres');
    project = await createFixtureProject(MODULES);
    const schemas = Array.from({ length: 30 }, (_, i) => `tenant_${String(i + 1).padStart(2, '0')}`);
    await project.write('targets.txt', schemas.map((s) => `${database!.url} schema=${s}`).join('\n'));
    await pgQuery(database.url, 'CREATE SCHEMA tenant_07; CREATE TABLE tenant_07.invoices (legacy TEXT)');

    const first = await fleet(['migrate', '--only', '--targets', 'targets.txt', '--json']);
    expect(first.code, first.stderr).toBe(1);
    const doc = parse(first);
    expect(doc.summary).toMatchObject({ targets: 30, ok: 29, failed: 1, exitCode: 1 });
    const entries = byTarget(doc);
    expect(entries.get('tenant_07')).toMatchObject({
      result: 'failed',
      exitCode: 1,
      origin: 'targets.txt:7',
      applied: 2,
    });
    expect(entries.get('tenant_01')).toMatchObject({
      result: 'ok',
      applied: PER_TARGET,
      target: `${redact(database.url)} schema=tenant_01`,
    });
    // Each tenant's tables and history are in its own schema; nothing went to public.
    const tables = await pgQuery<{ schema: string; n: string }>(
      database.url,
      "SELECT schemaname AS schema, count(*) AS n FROM pg_tables WHERE schemaname LIKE 'tenant_%' OR schemaname = 'public' GROUP BY 1",
    );
    const counts = new Map(tables.map((r) => [r.schema, Number(r.n)]));
    expect(counts.get('public')).toBeUndefined();
    expect(counts.get('tenant_01')).toBe(4); // users, invoices, two history tables
    expect(counts.get('tenant_07')).toBe(4); // its old invoices, users, both history tables (billing's is made before its first migration)

    await pgQuery(database.url, 'DROP TABLE tenant_07.invoices');
    const rerun = parse(await fleet(['migrate', '--only', '--targets', 'targets.txt', '--json']));
    expect(rerun.summary).toMatchObject({ ok: 30, failed: 0, exitCode: 0, applied: 1 });
    expect(rerun.targets.filter((t) => (t.applied ?? 0) > 0).map((t) => t.schema)).toEqual(['tenant_07']);
    const history = await pgQuery<{ version: string }>(
      database.url,
      `SELECT version FROM tenant_07.${await historyTableName('billing')}`,
    );
    expect(history.map((r) => r.version)).toEqual(['0001_invoices']);

    // status reads every schema (a missing one reads as empty, and is not created).
    await project.write('more.txt', `${database.url} schema=tenant_01\n${database.url} schema=tenant_new\n`);
    const status = parse(await fleet(['status', '--targets', 'more.txt', '--json', '--exit-code']));
    expect(status.exitCode).toBe(4);
    expect(byTarget(status).get('tenant_new')).toMatchObject({ result: 'failed', exitCode: 4 });
    expect(byTarget(status).get('tenant_01')).toMatchObject({ result: 'ok', exitCode: 0 });
    expect(await pgQuery(database.url, "SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_new'")).toHaveLength(0);
  });

  it('two fleet runs at once over the same schemas apply every migration exactly once', async () => {
    database = await createTarget('postgres');
    project = await createFixtureProject(MODULES);
    const schemas = Array.from({ length: 12 }, (_, i) => `t${i}`);
    await project.write('targets.txt', schemas.map((s) => `${database!.url} schema=${s}`).join('\n'));
    const args = [
      'migrate',
      '--only',
      '--targets',
      'targets.txt',
      '--json',
      '--parallel',
      '3',
      '-c',
      project.configPath,
    ];
    const [a, b] = await Promise.all([
      startCli(args, { cwd: project.dir, timeoutMs: 120_000 }).done,
      startCli(args, { cwd: project.dir, timeoutMs: 120_000 }).done,
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const total = (parse(a).summary.applied ?? 0) + (parse(b).summary.applied ?? 0);
    expect(total).toBe(schemas.length * PER_TARGET);
    for (const s of schemas) {
      const rows = await pgQuery<{ n: string }>(
        database.url,
        `SELECT count(*) AS n FROM ${s}.${await historyTableName('users')}`,
      );
      expect(Number(rows[0]!.n)).toBe(2);
    }
  });
});

describe('lint over a fleet of schemas', () => {
  it('prints a warning of a pending file once for the fleet, and the counts; a lint error refuses every target before anything runs (exit 4)', async () => {
    database = await createTarget('postgres');
    const risky: FixtureModule[] = [
      { name: 'users', migrations: { '0001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);' } },
      { name: 'billing', deps: ['users'] },
    ];
    project = await createFixtureProject(risky);
    const schemas = ['lint_a', 'lint_b', 'lint_c'];
    await project.write('targets.txt', schemas.map((s) => `${database!.url} schema=${s}`).join('\n'));
    // users is created in the run: an index on it in the same run would lock nothing live.
    expect((await fleet(['migrate', '--only', '--targets', 'targets.txt'])).code).toBe(0);

    await project.write('modules/billing/migrations/0001_index.sql', 'CREATE INDEX users_id ON users (id);');
    const warned = await fleet(['migrate', '--only', '--targets', 'targets.txt']);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr.match(/\[index-not-concurrent\]/g)).toHaveLength(1);
    expect(warned.stdout).toContain('Lint of the pending migrations: 1 warning (index-not-concurrent 1).');

    await project.write(
      'modules/billing/migrations/0002_concurrently.sql',
      'CREATE INDEX CONCURRENTLY users_id2 ON users (id);',
    );
    const refused = parse(await fleet(['migrate', '--only', '--targets', 'targets.txt', '--json']));
    expect(refused.summary).toMatchObject({ targets: 3, failed: 3, exitCode: 4, applied: 0 });
    for (const t of refused.targets) expect(t.error?.message).toContain('needs-no-transaction');
    const indexes = await pgQuery(database.url, "SELECT 1 FROM pg_indexes WHERE indexname = 'users_id2'");
    expect(indexes).toHaveLength(0);

    const unlinted = await fleet(['migrate', '--only', '--targets', 'targets.txt', '--no-lint']);
    expect(unlinted.code).toBe(1); // PostgreSQL's own refusal: CONCURRENTLY inside a transaction block
    expect(unlinted.stderr).toMatch(/cannot run inside a transaction block/);
  });
});

describe('--shard, --canary, --fail-fast', () => {
  const sqliteFleet = async (n: number) => {
    project = await createFixtureProject(MODULES);
    const files = Array.from({ length: n }, (_, i) => join(project!.dir, 'db', `t${i + 1}.db`));
    await project.write('db/.keep', '');
    await project.write('targets.txt', files.map((f) => `sqlite:${f}`).join('\n'));
    return files;
  };

  it('--shard i/N over N shards covers every target exactly once', async () => {
    const files = await sqliteFleet(20);
    const seen: string[] = [];
    for (const i of [1, 2, 3]) {
      const run = await fleet(['status', '--targets', 'targets.txt', '--shard', `${i}/3`, '--json']);
      expect(run.code, run.stderr).toBe(0);
      seen.push(...parse(run).targets.map((t) => t.target));
    }
    expect(seen.sort()).toEqual(files.map((f) => `sqlite:${f}`).sort());
    const bad = await fleet(['status', '--targets', 'targets.txt', '--shard', '4/3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard takes I\/N/);
  });

  it('--canary: when a canary fails, no other target is attempted', async () => {
    const files = await sqliteFleet(8);
    await queryTarget(
      { engine: 'sqlite', url: '', file: files[1]!, dispose: async () => undefined },
      'CREATE TABLE users (x TEXT)',
    );
    const run = await fleet(['migrate', '--only', '--targets', 'targets.txt', '--canary', '2', '--json']);
    expect(run.code).toBe(1);
    const doc = parse(run);
    expect(doc.summary).toMatchObject({ ok: 1, failed: 1, skipped: 6, stoppedBy: 'canary', exitCode: 1 });
    expect(
      doc.targets.filter((t) => t.result === 'skipped').every((t) => t.skipped === 'canary' && t.exitCode === null),
    ).toBe(true);
    for (const f of files.slice(2)) expect(existsSync(f)).toBe(false);
    expect(run.stderr).toMatch(/6 not attempted \(a canary failed\)/);
  });

  it('--fail-fast stops starting targets after the first failure; by default every target is attempted', async () => {
    const files = await sqliteFleet(6);
    await queryTarget(
      { engine: 'sqlite', url: '', file: files[2]!, dispose: async () => undefined },
      'CREATE TABLE users (x TEXT)',
    );
    const fast = parse(
      await fleet(['migrate', '--only', '--targets', 'targets.txt', '--fail-fast', '--parallel', '1', '--json']),
    );
    expect(fast.summary).toMatchObject({ ok: 2, failed: 1, skipped: 3, stoppedBy: 'fail-fast', exitCode: 1 });
    const all = parse(await fleet(['migrate', '--only', '--targets', 'targets.txt', '--parallel', '1', '--json']));
    expect(all.summary).toMatchObject({ ok: 5, failed: 1, skipped: 0, exitCode: 1 });
  });
});

describe('targets: where they come from, and bad input', () => {
  it('reads the targets from stdin with --targets -', async () => {
    project = await createFixtureProject(MODULES);
    const child = spawn(
      process.execPath,
      [BIN, 'migrate', '--only', '--targets', '-', '--json', '-c', project.configPath],
      { cwd: project.dir, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdin.end('# piped\nsqlite:./a.db\nsqlite:./b.db\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as FleetDocument;
    expect(doc.targets.map((t) => t.origin).sort()).toEqual(['stdin:2', 'stdin:3']);
    expect(existsSync(join(project.dir, 'a.db'))).toBe(true);
  });

  it('refuses duplicates naming both lines, an empty list, a schema on SQLite, and fleet flags without a fleet (exit 2)', async () => {
    project = await createFixtureProject(MODULES);
    await project.write('dup.txt', 'sqlite:./a.db\n# again, spelled differently\n./a.db\n');
    const dup = await fleet(['migrate', '--only', '--targets', 'dup.txt']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/dup\.txt:3: \.\/a\.db is the same target as dup\.txt:1/);
    await project.write('empty.txt', '# nobody yet\n\n');
    const empty = await fleet(['status', '--targets', 'empty.txt']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/lists no targets/);
    await project.write('schema.txt', 'sqlite:./a.db schema=t1\n');
    const schema = await fleet(['plan', '--targets', 'schema.txt']);
    expect(schema.code).toBe(2);
    expect(schema.stderr).toMatch(/schema\.txt:1: .*needs PostgreSQL/);
    const stray = await fleet(['status', '--parallel', '2']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--parallel only apply to a fleet/);
    expect(existsSync(join(project.dir, 'a.db'))).toBe(false);
  });

  it('refuses a fleet when a module has a database of its own (it is not per tenant)', async () => {
    project = await createFixtureProject(MODULES, {
      modulesConfig: { billing: { database: { url: 'sqlite:./billing.db' } } },
    });
    await project.write('targets.txt', 'sqlite:./a.db\n');
    const run = await fleet(['migrate', '--only', '--targets', 'targets.txt']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/module "billing" has a database of its own/);
    expect(existsSync(join(project.dir, 'a.db'))).toBe(false);
  });

  it('an unreachable target is reported with its redacted URL (exit 5) and the others are migrated', async () => {
    project = await createFixtureProject(MODULES);
    await project.write(
      'targets.txt',
      'sqlite:./ok.db\npostgres://fleet:hunter2secret@127.0.0.1:1/app schema=t1\nsqlite:./ok2.db\n',
    );
    const run = await fleet(['migrate', '--only', '--targets', 'targets.txt', '--json']);
    expect(run.code).toBe(5);
    expect(run.stdout + run.stderr).not.toContain('hunter2secret');
    const doc = parse(run);
    expect(doc.summary).toMatchObject({ ok: 2, failed: 1, exitCode: 5 });
    expect(doc.targets.find((t) => t.result === 'failed')).toMatchObject({
      target: 'postgres://fleet:***@127.0.0.1:1/app schema=t1',
      exitCode: 5,
    });
    expect(run.stderr).toMatch(
      /FAILED {2}postgres:\/\/fleet:\*\*\*@127\.0\.0\.1:1\/app schema=t1: exit 5, unreachable/,
    );
  });

  it('config targets from an async function; modkit run refuses a fleet', async () => {
    project = await createFixtureProject(MODULES);
    await project.write(
      'modkit.config.mjs',
      `export default {
  modules: ['modules/*/module.mjs'],
  // A tenant registry would be queried here.
  targets: async () => {
    await new Promise((r) => setTimeout(r, 10));
    return ['sqlite:./reg-1.db', { url: 'sqlite:./\${TENANT_DIR}/reg-2.db' }];
  },
};
`,
    );
    await project.write('tenants/.keep', '');
    const run = await fleet(['migrate', '--only', '--json'], { TENANT_DIR: 'tenants' });
    expect(run.code, run.stderr).toBe(0);
    const doc = parse(run);
    expect(doc.targets.map((t) => t.origin).sort()).toEqual(['config targets[0]', 'config targets[1]']);
    expect(existsSync(join(project.dir, 'tenants', 'reg-2.db'))).toBe(true);
    // --url names one database: the fleet steps aside.
    const one = await fleet(['status', '--url', 'sqlite:./single.db', '--json']);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).targets).toBeUndefined();
    const refused = await fleet(['run'], { TENANT_DIR: 'tenants' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /`modkit run` runs the application against one database, but the config's "targets" names a fleet/,
    );
  });
});

describe('rollback over a fleet', () => {
  it("--last-run undoes what each target's last run applied, and only that", async () => {
    project = await createFixtureProject(MODULES);
    await project.write('targets.txt', 'sqlite:./r1.db\nsqlite:./r2.db\n');
    await project.write('modules/users/migrations/0001_users.down.sql', 'DROP TABLE users;');
    await project.write('modules/users/migrations/0002_email.down.sql', 'ALTER TABLE users DROP COLUMN email;');
    await project.write('modules/billing/migrations/0001_invoices.down.sql', 'DROP TABLE invoices;');
    // A first run applies users only, the second one billing: the last run of each target is billing's.
    expect((await fleet(['migrate', '--only', '--targets', 'targets.txt', '--module', 'users'])).code).toBe(0);
    expect((await fleet(['migrate', '--only', '--targets', 'targets.txt'])).code).toBe(0);
    const dry = parse(await fleet(['rollback', '--last-run', '--dry-run', '--targets', 'targets.txt', '--json']));
    expect(dry.exitCode).toBe(0);
    const back = await fleet(['rollback', '--last-run', '--targets', 'targets.txt', '--json']);
    expect(back.code, back.stderr).toBe(0);
    const doc = parse(back) as FleetDocument & { summary: { reverted: number } };
    expect(doc.summary.reverted).toBe(2);
    for (const name of ['r1.db', 'r2.db']) {
      const db = { engine: 'sqlite' as const, url: '', file: join(project.dir, name), dispose: async () => undefined };
      expect(await queryTarget(db, `SELECT version FROM ${await historyTableName('billing')}`)).toEqual([]);
      expect(await queryTarget(db, `SELECT version FROM ${await historyTableName('users')}`)).toHaveLength(2);
    }
  });
});

describe('a signal during a fleet run', () => {
  it('cancels the running targets (rolled back), attempts no other, and exits 130', async () => {
    database = await createTarget('postgres');
    project = await createFixtureProject([
      {
        name: 'slow',
        migrations: { '0001_t.sql': 'CREATE TABLE t (id INTEGER);', '0002_wait.sql': 'SELECT pg_sleep(30);' },
      },
    ]);
    await project.write('targets.txt', Array.from({ length: 5 }, (_, i) => `${database!.url} schema=s${i}`).join('\n'));
    const run = startCli(
      ['migrate', '--only', '--targets', 'targets.txt', '--parallel', '2', '--json', '-c', project.configPath],
      { cwd: project.dir, timeoutMs: 120_000 },
    );
    // Both running targets are inside pg_sleep once two backends run it.
    for (let i = 0; i < 200; i += 1) {
      const rows = await pgQuery<{ n: string }>(
        database.url,
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
      );
      if (Number(rows[0]!.n) >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(130);
    const doc = parse(result);
    expect(doc.summary).toMatchObject({ failed: 2, skipped: 3, stoppedBy: 'interrupted', exitCode: 130 });
    expect(doc.targets.filter((t) => t.result === 'failed').every((t) => t.exitCode === 130)).toBe(true);
    const started = await pgQuery<{ n: string }>(
      database.url,
      "SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 's_'",
    );
    expect(Number(started[0]!.n)).toBe(2);
  });
});
