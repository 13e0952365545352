import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineModule, type ModuleContext } from 'modkit';

interface StorefrontConfig {
  /** 0 picks a free port (tests); the actual port is logged. */
  readonly port: number;
  readonly host?: string;
}

let ctx: ModuleContext<StorefrontConfig> | undefined;
let server: Server | undefined;

/**
 * The shop's HTTP front: GET /products lists what is on sale (read through ctx.db, the runtime
 * handle, never modkit's migration connection), GET /health answers while the app runs.
 */
export default defineModule<StorefrontConfig>({
  name: 'storefront',
  deps: ['catalog', 'orders'],
  migrations: './migrations',

  init(context) {
    ctx = context;
  },

  async start() {
    const { port, host = '127.0.0.1' } = ctx!.config;
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    ctx!.log.info(`listening on http://${host}:${address.port}`);
  },

  async stop(deadline) {
    if (!server) return;
    const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
    // Idle keep-alive sockets would hold close() open; requests in flight may finish until the deadline.
    server.closeIdleConnections();
    deadline.addEventListener('abort', () => server?.closeAllConnections(), { once: true });
    await closing;
    ctx?.log.info('closed the HTTP server');
    server = undefined;
  },
});

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok', instanceId: ctx!.instanceId });
    if (req.method === 'GET' && req.url === '/products') {
      const rows = await ctx!.db('storefront_products').select('sku', 'title', 'price_cents').orderBy('sku');
      return send(res, 200, rows.map((r: { sku: string; title: string; price_cents: number }) => ({ sku: r.sku, title: r.title, priceCents: Number(r.price_cents) })));
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
