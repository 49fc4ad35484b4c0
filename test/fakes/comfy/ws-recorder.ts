import WebSocket from 'ws';
import { parsePyJson, toPlain, type Json } from './py-json.ts';

/** The fields of ComfyUI's messages that tests read; each message has those its type carries. */
export interface FrameData {
  [field: string]: unknown;
  prompt_id?: string;
  node?: string | null;
  value?: number;
  sid?: string;
  nodes?: string[];
  executed?: string[];
  output?: { images: { filename: string }[] };
  status?: { exec_info: { queue_remaining: number } };
}

export type Frame =
  | {
      kind: 'text';
      type: string;
      /** Plain JS data, for assertions. */
      data: FrameData;
      /** Order-preserving parse (Maps, floats kept), for comparisons with the recordings. */
      exact: Json;
      raw: string;
    }
  | { kind: 'binary'; event: number; bytes: Buffer };

interface Waiter {
  from: number;
  match: (frame: Frame) => boolean;
  resolve: (frame: Frame) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A WebSocket client that keeps every frame, for tests that talk to FakeComfy
 * directly. `waitFor` looks at frames already received as well as future ones.
 */
export class WsRecorder {
  readonly frames: Frame[] = [];
  readonly closed: Promise<void>;
  private waiters: Waiter[] = [];

  private constructor(private readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data: Buffer, isBinary: boolean) => this.receive(data, isBinary));
    ws.on('error', () => undefined);
  }

  /** Opens `/ws?clientId=...`; with `featureFlags` the first message asks for preview metadata. */
  static connect(wsUrl: string, clientId: string, options: { featureFlags?: boolean } = {}): Promise<WsRecorder> {
    const ws = new WebSocket(`${wsUrl}?clientId=${encodeURIComponent(clientId)}`);
    const recorder = new WsRecorder(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        if (options.featureFlags) {
          ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
        }
        resolve(recorder);
      });
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade answered ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  get size(): number {
    return this.frames.length;
  }

  texts(from = 0): Extract<Frame, { kind: 'text' }>[] {
    return this.frames.slice(from).filter((f): f is Extract<Frame, { kind: 'text' }> => f.kind === 'text');
  }

  waitFor(match: (frame: Frame) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<Frame> {
    const from = options.from ?? 0;
    const seen = this.frames.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        const last = this.texts().slice(-5).map((f) => f.raw.slice(0, 120));
        reject(new Error(`WsRecorder.waitFor: nothing matched within ${timeoutMs} ms; last frames: ${last.join(' | ')}`));
      }, timeoutMs);
      this.waiters.push({ from, match, resolve, reject, timer });
    });
  }

  /** The first text message of this type (and matching `where`), past or future. */
  waitForMessage(
    type: string,
    where: (data: FrameData) => boolean = () => true,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<Extract<Frame, { kind: 'text' }>> {
    return this.waitFor((f) => f.kind === 'text' && f.type === type && where(f.data), options) as Promise<
      Extract<Frame, { kind: 'text' }>
    >;
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.closed;
  }

  private receive(data: Buffer, isBinary: boolean): void {
    let frame: Frame;
    if (isBinary) frame = { kind: 'binary', event: data.readUInt32BE(0), bytes: data };
    else {
      const raw = data.toString('utf8');
      const exact = parsePyJson(raw);
      const plain = toPlain(exact) as { type: string; data: FrameData };
      frame = { kind: 'text', type: plain.type, data: plain.data, exact, raw };
    }
    const index = this.frames.push(frame) - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index < w.from || !w.match(frame)) return true;
      clearTimeout(w.timer);
      w.resolve(frame);
      return false;
    });
  }
}
