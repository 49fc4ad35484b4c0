// One WebSocket per server and clientId: handshake, decoding, reconnects.
import WebSocket from 'ws';
import { decodeBinaryFrame, type BinaryFrame } from './binary.ts';
import { TypedEmitter } from './emitter.ts';
import { KNOWN_MESSAGE_TYPES, KnownMessage, type UnknownMessage } from './schemas.ts';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0.3 spreads each delay over ±30 %, so many bots do not reconnect in step. */
  jitter: number;
}

export interface ComfySocketOptions {
  url: string;
  headers?: Record<string, string>;
  backoff?: Partial<BackoffOptions>;
  /** The socket is presumed dead when nothing (not even a pong) arrived for this long. */
  silenceMs?: number;
  /** How often to ping; ComfyUI (aiohttp) answers pings on its own. */
  pingIntervalMs?: number;
  /** Ask for previews with their prompt_id (event 4). */
  previewMetadata?: boolean;
  /** Whether anyone needs messages of this type now; those nobody needs are dropped before validation. Default: all. */
  wants?: (type: string) => boolean;
}

export type SocketMessage = KnownMessage | UnknownMessage;

export interface ComfySocketEvents extends Record<string, unknown> {
  /** Connected; `reconnect` is true when this replaces a lost connection. */
  open: { reconnect: boolean };
  close: { code: number; reason: string; willRetry: boolean; retryInMs: number };
  message: SocketMessage;
  binary: BinaryFrame;
  /** A connection attempt failed (refused, 403, timeout) — it will be retried. */
  error: Error;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, jitter: 0.3 };

export function backoffDelay(attempt: number, options: BackoffOptions, random = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  const spread = base * options.jitter;
  return Math.max(options.initialMs / 2, Math.round(base - spread + random() * 2 * spread));
}

export class ComfySocket extends TypedEmitter<ComfySocketEvents> {
  private ws: WebSocket | undefined;
  private readonly backoff: BackoffOptions;
  private attempt = 0;
  private everOpened = false;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private lastHeard = 0;
  private openState = false;
  /** Time of the last frame of any kind, for /status. */
  lastEventAt: number | undefined;

  constructor(private readonly options: ComfySocketOptions) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  get connected(): boolean {
    return this.openState;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Closes for good; no reconnect. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.openState = false;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
    }
  }

  /** Drops the current connection now and reconnects (used when the socket fell silent). */
  reconnectNow(): void {
    this.ws?.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.options.url, {
      headers: this.options.headers,
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
    });
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    let failure: Error | undefined;

    ws.on('open', () => {
      const reconnect = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.openState = true;
      this.lastHeard = Date.now();
      // Must be the first message: the server only honours the flags before anything else.
      if (this.options.previewMetadata !== false) {
        ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      }
      this.startPings(ws);
      this.emit('open', { reconnect });
    });
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.handleFrame(buf, isBinary);
    });
    ws.on('pong', () => {
      this.lastHeard = Date.now();
    });
    ws.on('unexpected-response', (_req, res) => {
      failure = new Error(`ComfyUI refused the WebSocket: HTTP ${res.statusCode}`);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => {
      failure ??= err;
    });
    ws.on('close', (code, reasonBuf) => {
      if (this.ws !== ws) return;
      clearInterval(this.pingTimer);
      const wasOpen = this.openState;
      this.openState = false;
      this.ws = undefined;
      if (!wasOpen && failure) this.emit('error', failure);
      if (this.stopped) return;
      const retryInMs = backoffDelay(this.attempt++, this.backoff);
      this.emit('close', { code, reason: reasonBuf.toString() || failure?.message || '', willRetry: true, retryInMs });
      this.retryTimer = setTimeout(() => this.connect(), retryInMs);
    });
  }

  /** Decodes one frame as received and emits it (public so recorded streams can be replayed). */
  handleFrame(buf: Buffer, isBinary: boolean): void {
    this.lastHeard = Date.now();
    this.lastEventAt = this.lastHeard;
    if (isBinary) this.emit('binary', decodeBinaryFrame(buf));
    else {
      const msg = parseTextFrame(buf.toString('utf8'), this.options.wants);
      if (msg) this.emit('message', msg);
    }
  }

  private startPings(ws: WebSocket): void {
    clearInterval(this.pingTimer);
    const interval = this.options.pingIntervalMs ?? 10_000;
    const silence = this.options.silenceMs ?? 30_000;
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > silence) {
        ws.terminate();
        return;
      }
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }, interval);
    this.pingTimer.unref();
  }
}

/** Decodes one JSON frame. Unknown types pass through as such; malformed and unwanted ones are dropped. */
export function parseTextFrame(text: string, wants: (type: string) => boolean = () => true): SocketMessage | undefined {
  const leading = leadingType(text);
  if (leading !== undefined && !wants(leading)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || typeof (raw as { type?: unknown }).type !== 'string') return undefined;
  const { type, data } = raw as { type: string; data: unknown };
  if (!wants(type)) return undefined;
  if (!KNOWN_MESSAGE_TYPES.has(type)) return { type, data, unknown: true };
  const parsed = KnownMessage.safeParse(raw);
  // A known type in a shape we do not understand is treated as unknown rather than crashing a job.
  return parsed.success ? parsed.data : { type, data, unknown: true };
}

/** How Python's json.dumps starts every message ComfyUI sends. */
const TYPE_FIRST = '{"type": "';

/**
 * The type of a frame that starts as ComfyUI writes it, read without parsing the
 * frame (so unwanted ones, like the largest, progress_state, cost nothing);
 * undefined for any other layout, which is then parsed in full.
 */
function leadingType(text: string): string | undefined {
  if (!text.startsWith(TYPE_FIRST)) return undefined;
  const end = text.indexOf('"', TYPE_FIRST.length);
  const type = text.slice(TYPE_FIRST.length, end);
  return end > 0 && !type.includes('\\') ? type : undefined;
}
