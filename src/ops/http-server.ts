// The operator's HTTP endpoints (HTTP_PORT): /metrics for Prometheus, /healthz
// (the process runs) and /readyz (it can do its work). Read-only, GET and HEAD
// only, nothing secret in any answer. Under SHARDS every shard process serves its
// own: shard n listens on HTTP_PORT + n.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import type { Readiness } from './readiness.ts';

export interface OpsServerOptions {
  host: string;
  port: number;
  metrics: () => Promise<{ contentType: string; body: string }>;
  readiness: () => Readiness;
  log: Logger;
}

export interface OpsServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  close(): Promise<void>;
}

/** The port shard `shard` listens on: HTTP_PORT + shard (0 stays 0: any free port). */
export function portForShard(port: number, shard: number): number {
  return port === 0 ? 0 : port + shard;
}

export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    void handle(req, res, o).catch((err: unknown) => {
      o.log.error('ops endpoint failed', { path: pathOf(req), error: err });
      if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  // Scrapers and probes ask small questions; nobody holds a connection open for long.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => o.log.error('ops server error', { error: err }));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  o.log.info('metrics and health endpoints listening', { url, paths: ['/metrics', '/healthz', '/readyz'] });
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, o: OpsServerOptions): Promise<void> {
  const path = pathOf(req);
  const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
  if (!known) return send(res, req, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz or /readyz\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, req, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  switch (path) {
    case '/healthz':
      return send(res, req, 200, 'application/json', `${JSON.stringify({ status: 'ok' })}\n`);
    case '/readyz': {
      const r = o.readiness();
      const body = { status: r.ready ? 'ready' : 'not ready', notReady: r.notReady, checks: r.checks };
      return send(res, req, r.ready ? 200 : 503, 'application/json', `${JSON.stringify(body)}\n`);
    }
    case '/metrics': {
      const { contentType, body } = await o.metrics();
      return send(res, req, 200, contentType, body);
    }
  }
}

function pathOf(req: IncomingMessage): string {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function send(res: ServerResponse, req: IncomingMessage, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
