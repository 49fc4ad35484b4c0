import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { notFound, serverError, type Reply } from './http-types.ts';
import type { RequestFaults, RequestTarget } from './request-faults.ts';
import type { LoggedFile, LoggedRequest, RequestLog } from './request-log.ts';
import type { Router } from './router.ts';
import type { WsHub } from './ws-hub.ts';

export interface FrontendDeps {
  basePath: string;
  router: Router;
  log: RequestLog;
  faults: RequestFaults;
  hub: WsHub;
  /** `fake.refuseSockets(status)`: upgrades answered with this status instead. */
  refuseStatus: () => number | null;
}

interface Located extends RequestTarget {
  /** False when the request is outside the proxy prefix: nothing is there. */
  inside: boolean;
}

/** The whole body; with events rather than `for await`, whose async iterator costs more than a small body. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function firstValues(params: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of params) if (!(key in query)) query[key] = value;
  return query;
}

async function describeForm(form: FormData): Promise<NonNullable<LoggedRequest['form']>> {
  const fields: Record<string, string> = {};
  const files: Record<string, LoggedFile> = {};
  for (const [name, value] of form) {
    if (typeof value === 'string') fields[name] = value;
    else files[name] = { name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
  }
  return { fields, files };
}

/**
 * The listening socket: routes requests (under the proxy prefix, with or without
 * `/api`), logs them, applies injected faults, and hands `/ws` upgrades to the hub.
 * It can be closed and reopened on the same port to play a dead or restarted server.
 */
export class HttpFrontend {
  private server: Server | null = null;
  private readonly connections = new Set<Socket>();
  private readonly delays = new Set<() => void>();
  port = 0;

  constructor(private readonly deps: FrontendDeps) {}

  get listening(): boolean {
    return this.server !== null;
  }

  listen(port: number): Promise<number> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        const address = server.address();
        this.port = typeof address === 'object' && address ? address.port : port;
        resolve(this.port);
      });
    });
  }

  /** Stops listening and cuts every connection, upgraded ones included. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const release of [...this.delays]) release();
    this.delays.clear();
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Cuts open HTTP connections (keep-alive ones too) without closing the port. */
  dropConnections(): void {
    for (const socket of this.connections) socket.destroy();
  }

  private locate(method: string, fullPath: string): Located {
    const base = this.deps.basePath;
    const inside = base === '' || fullPath === base || fullPath.startsWith(`${base}/`);
    const path = inside ? fullPath.slice(base.length) || '/' : fullPath;
    const route = path === '/api' ? '/' : path.startsWith('/api/') ? path.slice(4) : path;
    return { method, path, route, fullPath, inside };
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.delays.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.delays.add(release);
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const where = this.locate(method, url.pathname);
    const body = await readBody(req);
    const query = firstValues(url.searchParams);
    const contentType = req.headers['content-type'] ?? '';

    let form: FormData | null = null;
    let json: unknown;
    if (contentType.startsWith('multipart/form-data') || contentType.startsWith('application/x-www-form-urlencoded')) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- undici discourages it for servers because it buffers the whole body; a test fake's bodies are small and already buffered
        form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      } catch {
        form = null;
      }
    } else if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
    }

    const delay = this.deps.faults.takeDelay(where);
    if (delay > 0) await this.wait(delay);
    if (req.socket.destroyed) return;

    let reply: Reply;
    const failure = this.deps.faults.takeFailure(where);
    if (failure) reply = { status: failure.status, body: failure.body, contentType: failure.contentType };
    else if (!where.inside) reply = notFound();
    else {
      const found = this.deps.router.find(method, where.route);
      try {
        reply = found
          ? await found.handler({ method, route: where.route, params: found.params, query, headers: req.headers, body, form })
          : notFound();
      } catch {
        reply = serverError();
      }
    }

    const entry: LoggedRequest = {
      method,
      path: where.path,
      route: where.route,
      fullPath: where.fullPath,
      query,
      headers: req.headers,
      status: reply.status,
    };
    if (json !== undefined) entry.json = json;
    if (form) entry.form = await describeForm(form);
    this.deps.log.add(entry);
    const answerDelay = this.deps.faults.takeAnswerDelay(where);
    if (answerDelay > 0) await this.wait(answerDelay);
    if (req.socket.destroyed) return;

    const payload = reply.body === undefined ? undefined : typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    res.statusCode = reply.status;
    if (reply.contentType) res.setHeader('Content-Type', reply.contentType);
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.setHeader('Content-Length', payload?.length ?? 0);
    res.end(payload);
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const where = this.locate('GET', url.pathname);
    const query = firstValues(url.searchParams);
    const log = (status: number): void =>
      this.deps.log.add({ method: 'GET', path: where.path, route: where.route, fullPath: where.fullPath, query, headers: req.headers, status });

    const delay = this.deps.faults.takeDelay(where);
    if (delay > 0) await this.wait(delay);
    if (socket.destroyed) return;

    const failure = this.deps.faults.takeFailure(where);
    const refused = this.deps.refuseStatus();
    const status = failure?.status ?? refused ?? (where.inside && where.route === '/ws' ? 101 : 404);
    log(status);
    if (status !== 101) {
      const body = Buffer.from(failure?.body ?? '');
      const type = failure?.contentType ? `Content-Type: ${failure.contentType}\r\n` : '';
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${type}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`,
      );
      return;
    }
    this.deps.hub.accept(req, socket, head, query['clientId'] ?? '');
  }
}
