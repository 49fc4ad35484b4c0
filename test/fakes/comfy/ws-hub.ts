import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { pyJson } from './py-json.ts';

export interface SocketInfo {
  clientId: string;
  /** The client opened with the feature_flags handshake asking for preview metadata (event 4 previews). */
  featureFlags: boolean;
}

export interface HubHooks {
  /** What a new socket hears first: `status` with its sid, then `executing` if its prompt runs. */
  greet(sid: string): void;
  /** The server's side of the feature_flags handshake. */
  serverFeatures(): unknown;
}

interface Waiter {
  clientId: string;
  resolve: (info: SocketInfo) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The server side of /ws: one registered socket per clientId, as ComfyUI keeps
 * them in a dict. Messages for a clientId with no registered socket are dropped.
 */
export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly registered = new Map<string, WebSocket>();
  private readonly flags = new Map<string, Record<string, unknown>>();
  private readonly open = new Set<WebSocket>();
  /** The connection under each socket, to hold its writes back (see `write`). */
  private readonly connections = new WeakMap<WebSocket, Duplex>();
  /** Connections holding writes back until this turn of the event loop ends. */
  private readonly corked = new Set<Duplex>();
  private waiters: Waiter[] = [];

  constructor(private readonly hooks: HubHooks) {}

  accept(req: IncomingMessage, socket: Duplex, head: Buffer, clientId: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.connections.set(ws, socket);
      this.register(ws, clientId);
    });
  }

  private register(ws: WebSocket, clientId: string): void {
    const sid = clientId || randomUUID().replaceAll('-', '');
    this.open.add(ws);
    // A new connection with a known id silently takes over; the old one stays open, unheard.
    this.registered.delete(sid);
    this.registered.set(sid, ws);
    this.flags.set(sid, {});
    let firstMessage = true;

    // Text frames arrive as one Buffer (ws's default binaryType, 'nodebuffer').
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
      const { type, data: payload } = message as { type?: unknown; data?: unknown };
      if (firstMessage && type === 'feature_flags') {
        this.flags.set(sid, typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {});
        this.sendJson('feature_flags', this.hooks.serverFeatures(), sid);
      }
      firstMessage = false;
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.open.delete(ws);
      // ComfyUI's `finally: sockets.pop(sid)` drops the entry by id, even when a newer
      // connection with the same id has replaced this one: that one goes deaf too.
      this.registered.delete(sid);
      this.flags.delete(sid);
    });

    this.hooks.greet(sid);
    const info = this.info(sid);
    this.waiters = this.waiters.filter((w) => {
      if (w.clientId !== sid) return true;
      clearTimeout(w.timer);
      w.resolve(info);
      return false;
    });
  }

  private info(clientId: string): SocketInfo {
    return { clientId, featureFlags: this.flags.get(clientId)?.['supports_preview_metadata'] === true };
  }

  list(): SocketInfo[] {
    return [...this.registered.keys()].map((id) => this.info(id));
  }

  waitFor(clientId: string, timeoutMs: number): Promise<SocketInfo> {
    if (this.registered.has(clientId)) return Promise.resolve(this.info(clientId));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        const connected = [...this.registered.keys()].join(', ') || 'none';
        reject(new Error(`FakeComfy.waitForSocket: no socket for clientId "${clientId}" within ${timeoutMs} ms (connected: ${connected})`));
      }, timeoutMs);
      this.waiters.push({ clientId, resolve, reject, timer });
    });
  }

  supportsPreviewMetadata(sid: string | null): boolean {
    return sid !== null && this.flags.get(sid)?.['supports_preview_metadata'] === true;
  }

  /** A JSON message to one client, or to every registered socket when sid is null. */
  sendJson(type: string, data: unknown, sid: string | null): void {
    if (sid !== null && !this.registered.has(sid)) return;
    this.sendText(`{"type": ${pyJson(type)}, "data": ${pyJson(data)}}`, sid);
  }

  sendText(text: string, sid: string | null): void {
    if (sid === null) {
      for (const ws of this.registered.values()) this.write(ws, text, false);
      return;
    }
    const ws = this.registered.get(sid);
    if (ws) this.write(ws, text, false);
  }

  sendBinary(frame: Buffer, sid: string | null): void {
    const targets = sid === null ? [...this.registered.values()] : [this.registered.get(sid)];
    for (const ws of targets) if (ws) this.write(ws, frame, true);
  }

  /**
   * Sends one frame. The frames a prompt sends in one turn of the event loop
   * (a node's progress_state, executing, executed…) leave in one write when the
   * turn ends: the same bytes in the same order, without a system call each.
   */
  private write(ws: WebSocket, data: string | Buffer, binary: boolean): void {
    if (ws.readyState !== ws.OPEN) return;
    const connection = this.connections.get(ws);
    if (connection && !this.corked.has(connection)) {
      connection.cork();
      if (this.corked.size === 0) process.nextTick(() => this.uncorkAll());
      this.corked.add(connection);
    }
    ws.send(data, { binary });
  }

  private uncorkAll(): void {
    for (const connection of this.corked) connection.uncork();
    this.corked.clear();
  }

  hasListener(sid: string | null): boolean {
    return sid === null ? this.registered.size > 0 : this.registered.has(sid);
  }

  /** Cuts every connection without a close frame, as a crash or a network drop would. */
  dropAll(): void {
    for (const ws of this.open) ws.terminate();
  }

  rejectWaiters(reason: string): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
    this.waiters = [];
  }

  close(): void {
    this.dropAll();
    this.wss.close();
  }
}
