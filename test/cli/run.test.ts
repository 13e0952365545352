import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExample } from '../support/example-copy.js';
import { createTarget, ENGINES, type TestTarget } from '../support/engines.js';
import { createFixtureProject } from '../support/project-fixture.js';
import { startCli, type CliProcess } from '../support/run-cli.js';
import { healthUrl, probe } from '../support/health-probe.js';

/** Reverse topological order of the shop (topological: platform, audit-log, catalog, customers, orders, mailer, storefront). */
const SHOP_STOP_ORDER = ['storefront', 'mailer', 'orders', 'customers', 'catalog', 'audit-log', 'platform'];

/** A private copy of the shop example whose `import 'modkit'` resolves to this checkout. */
async function copyShop(): Promise<string> {
  const copy = await copyExample('shop');
  cleanups.push(() => copy.cleanup());
  return copy.dir;
}

function stopLines(output: string): string[] {
  return [...output.matchAll(/^\[stop\] (\S+) stopped/gm)].map((m) => m[1]!);
}

async function listeningPort(cli: CliProcess): Promise<number> {
  await cli.waitFor(/storefront: listening on http:\/\/127\.0\.0\.1:\d+/);
  return Number(/storefront: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stdout() + cli.stderr())![1]);
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(ENGINES)('modkit run on %s', (engine) => {
  const setup = async () => {
    const target: TestTarget = await createTarget(engine);
    cleanups.push(() => target.dispose());
    const dir = await copyShop();
    return { target, dir };
  };

  it('migrates, serves products over HTTP through ctx.db and the catalog service, reloads on SIGHUP, and stops in reverse order on SIGTERM with exit 0', async () => {
    const { target, dir } = await setup();
    const cli = startCli(['run', '-c', join(dir, 'modkit.config.ts'), '--database-url', target.url], {
      env: { PORT: '0' },
    });
    const port = await listeningPort(cli);
    const health = await healthUrl(cli);
    await cli.waitFor(/\[modkit\] running/);
    const products = async (): Promise<{ currency: string }[]> =>
      (await fetch(`http://127.0.0.1:${port}/products`)).json() as Promise<{ currency: string }[]>;
    const inEuro = [
      { sku: 'mug-001', title: 'modkit mug', priceCents: 1200, currency: 'EUR' },
      { sku: 'sticker-001', title: 'Sticker; pack of 5', priceCents: 300, currency: 'EUR' },
      { sku: 'tee-001', title: 'modkit t-shirt', priceCents: 2500, currency: 'EUR' },
    ];
    expect(await products()).toEqual(inEuro);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    // modkit's /readyz asks the storefront's health(ctx): its server listens and ctx.db answers.
    expect(await probe(`${health}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
    // SIGHUP: catalog's reload(ctx) accepts the new currency; the storefront reads it through the Catalog service.
    const config = join(dir, 'modkit.config.ts');
    await writeFile(config, (await readFile(config, 'utf8')).replace("currency: 'EUR'", "currency: 'USD'"));
    cli.child.kill('SIGHUP');
    // The new config is catalog's once its reload returned: the summary line comes after that.
    await cli.waitFor(/catalog: prices are now in USD[\s\S]*\[reload\] SIGHUP: 1 of 1 module reloaded/);
    expect(await products()).toEqual(inEuro.map((p) => ({ ...p, currency: 'USD' })));
    await writeFile(config, (await readFile(config, 'utf8')).replace("currency: 'USD'", "currency: 'usd'"));
    cli.child.kill('SIGHUP');
    await cli.waitFor(
      /\[reload\] catalog FAILED .*must be a three-letter ISO 4217 code like EUR, got "usd"; it keeps its old config/,
    );
    expect((await products())[0]!.currency).toBe('USD');
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[db] applied 9 migrations in 6 modules');
    expect(stopLines(result.stdout)).toEqual(SHOP_STOP_ORDER);
    expect(result.stdout).toMatch(
      /\[modkit\] draining \(shutdown signal\)[\s\S]*storefront: closed the HTTP server[\s\S]*\[modkit\] stopped/,
    );
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('a start that fails (port taken) stops the started modules in reverse order and exits 1 naming module and phase', async () => {
    const { target, dir } = await setup();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as { port: number }).port;
    const cli = startCli(['run', '-c', join(dir, 'modkit.config.ts'), '--database-url', target.url], {
      env: { PORT: String(port) },
    });
    const result = await cli.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('start(signal) of module "storefront" failed in the start phase');
    expect(result.stderr).toContain('EADDRINUSE');
    expect(stopLines(result.stdout)).toEqual(SHOP_STOP_ORDER.slice(1));
    expect(result.stdout).toContain('[modkit] failed');
  });
});

describe('modkit run, signals and JSON', () => {
  it('--json prints one document with the state transitions; migrate without --only runs the same pipeline', async () => {
    const dir = await copyShop();
    const cli = startCli(['migrate', '--json', '-c', join(dir, 'modkit.config.ts')], { env: { PORT: '0' } });
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({
      command: 'migrate',
      mode: 'full',
      exitCode: 0,
      lifecycle: { outcome: 'stopped', stopped: SHOP_STOP_ORDER },
    });
    const runtime = doc.states.filter((s: { module?: string }) => !s.module).map((s: { state: string }) => s.state);
    expect(runtime).toEqual(['starting', 'running', 'draining', 'stopped']);
    expect(doc.states).toContainEqual(expect.objectContaining({ module: 'storefront', state: 'draining' }));
    expect(result.stderr).toMatch(/storefront: listening on/);
  });

  it('a second signal during a hanging stop exits 130 at once', async () => {
    // A stop that ignores its deadline: only the second signal can end the process before the watchdog.
    const stuck = `export default { name: 'stuck', async stop() { await new Promise(() => {}); } };\n`;
    const project = await createFixtureProject([{ name: 'stuck', source: stuck }], { shutdownDeadlineMs: 60_000 });
    cleanups.push(() => project.cleanup());
    const cli = startCli(['run', '-c', project.configPath]);
    await cli.waitFor(/\[modkit\] running/);
    cli.child.kill('SIGTERM');
    await cli.waitFor(/\[modkit\] draining/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code).toBe(130);
  });
});
