import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageOf, UsageError } from '../errors.js';
import type { RuntimeControl } from './types.js';

/** The health server of a run: where it listens, and how to close it. */
export interface HealthServer {
  /** `http://HOST:PORT`, with the port actually bound (port 0 picks a free one). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the three paths an orchestrator probes, and nothing else (GET or HEAD; JSON bodies that
 * never hold a config value or a URL):
 * - `/livez`: 200 until the runtime failed (then 503);
 * - `/readyz`: 200 only while running with every module healthy, else 503 with the reasons;
 * - `/status`: the runtime's status document.
 * Fails with exit 2 when it cannot listen (the port is taken, the host is not this machine's).
 */
export async function startHealthServer(
  runtime: RuntimeControl,
  listen: { readonly port: number; readonly host: string },
): Promise<HealthServer> {
  const server = createServer((req, res) => void answer(runtime, req, res));
  // Probes must never keep a stopping process alive; requests in flight are cut at close.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    throw new UsageError(
      `the health server cannot listen on ${listen.host}:${listen.port}: ${messageOf(error)}. ` +
        'Pick a free port (health.port in the config, or --health-port; 0 picks one) ' +
        'or a host of this machine (health.host)',
      { cause: error },
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(runtime: RuntimeControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, { error: 'only GET and HEAD' }, { allow: 'GET, HEAD' });
    }
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/livez':
        return runtime.live() ? send(res, 200, { status: 'live' }) : send(res, 503, { status: 'failed' });
      case '/readyz': {
        const { ready, reasons } = await runtime.readiness();
        return ready ? send(res, 200, { status: 'ready' }) : send(res, 503, { status: 'not ready', reasons });
      }
      case '/status':
        return send(res, 200, runtime.status());
      default:
        return send(res, 404, { error: 'not found: the health server answers /livez, /readyz and /status' });
    }
  } catch (error) {
    send(res, 500, { error: `the health server failed: ${messageOf(error)}` });
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : `${JSON.stringify(body)}\n`);
}
