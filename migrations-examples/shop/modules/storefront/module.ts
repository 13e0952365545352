import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineModule, type ModuleContext } from 'modkit';
import { Catalog, type CatalogService } from '../catalog/service.js';

interface StorefrontConfig {
  /** 0 picks a free port (tests); the actual port is logged. */
  readonly port: number;
  readonly host?: string;
}

let ctx: ModuleContext<StorefrontConfig> | undefined;
let catalog: CatalogService | undefined;
let server: Server | undefined;

/**
 * The shop's HTTP front: GET /products lists what is on sale (read through ctx.db, the runtime
 * handle, never modkit's migration connection), in the currency of the catalog's service,
 * GET /health answers while the app runs. modkit's own /readyz asks health(ctx) below.
 */
export default defineModule<StorefrontConfig>({
  name: 'storefront',
  deps: ['catalog', 'orders'],
  migrations: './migrations',

  init(context) {
    ctx = context;
    // storefront depends on catalog (deps above): that is its permission to use catalog's service.
    catalog = context.services.get(Catalog);
  },

  async start(_signal, context) {
    const { port, host = '127.0.0.1' } = context.config;
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    ctx!.log.info(`listening on http://${host}:${address.port}`);
  },

  // GET /readyz: ready while the server listens and the database answers through ctx.db.
  async health(context) {
    if (!server?.listening) return { ok: false, detail: 'the HTTP server is not listening' };
    await context.db.raw('SELECT 1');
    return true;
  },

  async stop(deadline, context) {
    if (!server) return;
    const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
    // Idle keep-alive sockets would hold close() open; requests in flight may finish until the deadline.
    server.closeIdleConnections();
    deadline.addEventListener('abort', () => server?.closeAllConnections(), { once: true });
    await closing;
    context.log.info('closed the HTTP server');
    server = undefined;
  },
});

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok', instanceId: ctx!.instanceId });
    if (req.method === 'GET' && req.url === '/products') {
      const rows = await ctx!.db('storefront_products').select('sku', 'title', 'price_cents').orderBy('sku');
      const currency = catalog!.currency();
      return send(res, 200, rows.map((r: { sku: string; title: string; price_cents: number }) => ({ sku: r.sku, title: r.title, priceCents: Number(r.price_cents), currency })));
    }
    send(res, 404, { error: `no route for ${req.method} ${req.url}` });
  } catch (error) {
    ctx!.log.error(`${req.method} ${req.url} failed: ${(error as Error).message}`);
    send(res, 500, { error: 'internal error' });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
