import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExample } from '../support/example-copy.js';
import { createTarget, queryTarget, tableNames, type TestTarget } from '../support/engines.js';
import { runCli } from '../support/run-cli.js';

let example: Awaited<ReturnType<typeof copyExample>>;
let target: TestTarget | undefined;
afterEach(async () => {
  await example?.cleanup();
  await target?.dispose();
  target = undefined;
});

describe('the quick start on the shop example', () => {
  it('migrates into the embedded SQLite file, says so first, and a rerun does nothing', async () => {
    example = await copyExample();
    const first = await runCli(['migrate', '--only', '-c', example.config]);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toContain(`Using the embedded SQLite database ${join(example.dir, '.modkit/modkit.sqlite')}`);
    expect(lines.at(-1)).toMatch(/^Applied 9 migrations in 6 modules \(\d+(\.\d+)? m?s\)$/);
    expect(first.stdout).toMatch(/platform\s+0001_settings\s+\d+(?:\.\d+)? m?s/); // `1.21 s` on a loaded machine
    expect(existsSync(join(example.dir, '.modkit/modkit.sqlite'))).toBe(true);

    const second = await runCli(['migrate', '--only'], { cwd: join(example.dir, 'modules', 'orders') });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/Nothing to migrate: 7 modules up to date/);
  });

  it('migrates PostgreSQL from MODKIT_DATABASE_URL, and --json reports the same facts', async () => {
    example = await copyExample();
    target = await createTarget('postgres');
    const first = await runCli(['migrate', '--only', '-c', example.config, '--json'], {
      env: { MODKIT_DATABASE_URL: target.url },
    });
    expect(first.code, first.stderr).toBe(0);
    const doc = JSON.parse(first.stdout);
    expect(doc).toMatchObject({
      modkit: 1,
      command: 'migrate',
      exitCode: 0,
      mode: 'migrate-only',
      database: { engine: 'postgres', source: 'env' },
      error: null,
    });
    expect(doc.modules).toEqual(['platform', 'audit-log', 'catalog', 'customers', 'orders', 'mailer', 'storefront']);
    expect(doc.migrations).toHaveLength(9);
    expect(doc.migrations[0]).toMatchObject({ module: 'platform', id: '0001_settings', status: 'applied' });
    expect(doc.summary).toMatchObject({ applied: 9, modules: 6 });
    expect(first.stderr).toContain('Using PostgreSQL');
    expect(await queryTarget(target, 'SELECT count(*)::int AS n FROM catalog_products')).toEqual([{ n: 3 }]);

    const again = await runCli(['migrate', '--only', '-c', example.config, '--database-url', target.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to migrate');
  });

  it('plan shows pending migrations in order with --sql and writes nothing; status reports per module', async () => {
    example = await copyExample();
    target = await createTarget('postgres');
    const plan = await runCli(['plan', '--sql', '-c', example.config, '--database-url', target.url]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/1\. platform 0001_settings/);
    expect(plan.stdout).toMatch(/8\. orders 0002_order_totals_view/);
    expect(plan.stdout).toMatch(/9\. storefront 0001_storefront_products/);
    expect(plan.stdout).toContain('CREATE TABLE platform_settings');
    expect(plan.stdout).toContain('Would apply 9 migrations in 6 modules.');
    expect(await tableNames(target)).toEqual([]);

    await runCli(['migrate', '--only', '-c', example.config, '--database-url', target.url, '--module', 'catalog']);
    const status = await runCli(['status', '--json', '-c', example.config, '--database-url', target.url]);
    const doc = JSON.parse(status.stdout);
    expect(doc.upToDate).toBe(false);
    const byName = Object.fromEntries(doc.modules.map((m: { name: string }) => [m.name, m]));
    expect(byName.catalog).toMatchObject({ applied: 2, pending: [], lastApplied: { id: '0002_seed_products' } });
    expect(byName.orders).toMatchObject({
      applied: 0,
      pending: ['0001_orders', '0002_order_totals_view'],
      lastApplied: null,
    });
    const gate = await runCli(['status', '--exit-code', '-c', example.config, '--database-url', target.url]);
    expect(gate.code).toBe(4);
  });

  it('prints a password-free URL and never a stack trace without --verbose', async () => {
    example = await copyExample();
    const r = await runCli([
      'status',
      '-c',
      example.config,
      '--database-url',
      'postgres://app:topsecret@127.0.0.1:1/x',
    ]);
    expect(r.code).toBe(5);
    expect(r.stdout + r.stderr).not.toContain('topsecret');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const verbose = await runCli([
      'status',
      '--verbose',
      '-c',
      example.config,
      '--database-url',
      'postgres://app:topsecret@127.0.0.1:1/x',
    ]);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    expect(verbose.stdout + verbose.stderr).not.toContain('topsecret');
  });
});
