// Several ComfyUI machines: health, load, which models each has, and routing.
import { ComfyClient, type ComfyClientOptions, redactUrl, TypedEmitter } from '../comfy/index.ts';
import type { Logger } from '../log.ts';
import type { ModelNeed } from './schedule.ts';
import { UserError } from './user-error.ts';

export type { ModelNeed } from './schedule.ts';

export interface BackendStatus {
  name: string;
  url: string;
  healthy: boolean;
  connected: boolean;
  queueRemaining: number | undefined;
  lastEventAt: number | undefined;
  lastError: string | undefined;
}

export class Backend {
  healthy = false;
  queueRemaining: number | undefined;
  /** When the server last told its queue count (a status message or a health check). */
  queueRemainingAt = -Infinity;
  lastError: string | undefined;
  failures = 0;
  /** When a health check last succeeded (ms since the epoch). */
  lastOkAt: number | undefined;
  private models = new Map<string, { at: number; names: Set<string> }>();

  constructor(
    readonly name: string,
    readonly client: ComfyClient,
  ) {}

  get url(): string {
    return this.client.url;
  }

  /** Jobs this bot has on the server plus what its queue says (other clients' work counts too). */
  load(): number {
    return Math.max(this.queueRemaining ?? 0, this.client.unfinishedJobs().length);
  }

  async hasModels(needs: ModelNeed[], ttlMs: number): Promise<boolean> {
    for (const need of needs) {
      const names = await this.modelNames(need.folder, ttlMs);
      if (!names.has(need.name)) return false;
    }
    return true;
  }

  async modelNames(folder: string, ttlMs: number): Promise<Set<string>> {
    const cached = this.models.get(folder);
    if (cached && Date.now() - cached.at < ttlMs) return cached.names;
    const names = new Set(await this.client.http.models(folder));
    this.models.set(folder, { at: Date.now(), names });
    return names;
  }

  status(): BackendStatus {
    return {
      name: this.name,
      url: redactUrl(this.url),
      healthy: this.healthy,
      connected: this.client.connected,
      queueRemaining: this.queueRemaining,
      lastEventAt: this.client.socket.lastEventAt,
      lastError: this.lastError,
    };
  }
}

export interface BackendPoolOptions {
  urls: string[];
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Distinct per bot process and shard: ComfyUI keeps one socket per client id. */
  clientId: string;
  healthIntervalMs?: number;
  /** After this many failed checks in a row a server counts as down and its jobs move elsewhere. */
  failuresBeforeDown?: number;
  modelCacheMs?: number;
  clientOptions?: Partial<ComfyClientOptions>;
  log: Logger;
}

/** What `free` did on one server; `error` is the client's message (no secrets: addresses are redacted). */
export interface FreeOutcome {
  name: string;
  url: string;
  ok: boolean;
  error?: string;
}

export interface BackendPoolEvents extends Record<string, unknown> {
  down: Backend;
  up: Backend;
  /** A server's queue count changed (a status message or a health check): someone's prompt came or went. */
  queue: Backend;
}

/** No server can take the job now: the user's to know (they may try again or pick another model). */
export class NoBackendError extends UserError {
  override name = 'NoBackendError';
}

export class BackendPool extends TypedEmitter<BackendPoolEvents> {
  readonly backends: Backend[];
  private timer: NodeJS.Timeout | undefined;
  private readonly healthIntervalMs: number;
  private readonly failuresBeforeDown: number;
  readonly modelCacheMs: number;

  constructor(private readonly options: BackendPoolOptions) {
    super();
    this.healthIntervalMs = options.healthIntervalMs ?? 5_000;
    this.failuresBeforeDown = options.failuresBeforeDown ?? 3;
    this.modelCacheMs = options.modelCacheMs ?? 30_000;
    this.backends = options.urls.map((url, i) => {
      const client = new ComfyClient({
        ...options.clientOptions,
        url,
        headers: options.headers,
        timeoutMs: options.timeoutMs,
        clientId: options.clientId,
      });
      const backend = new Backend(options.urls.length > 1 ? `gpu${i + 1}` : 'comfyui', client);
      client.on('status', (s) => {
        const changed = backend.queueRemaining !== s.queueRemaining;
        backend.queueRemaining = s.queueRemaining;
        backend.queueRemainingAt = performance.now();
        if (changed) this.emit('queue', backend);
      });
      client.on('error', (e) => {
        backend.lastError = e.message;
      });
      return backend;
    });
  }

  async start(): Promise<void> {
    for (const b of this.backends) b.client.start();
    await Promise.all(this.backends.map((b) => this.check(b)));
    this.timer = setInterval(() => {
      for (const b of this.backends) void this.check(b);
    }, this.healthIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const b of this.backends) b.client.close();
  }

  /** Health checks run this often (ms). */
  get checkIntervalMs(): number {
    return this.healthIntervalMs;
  }

  /**
   * Servers that answered their latest health check, recently: a server that stops
   * answering drops out after one missed check (a check that hangs until its
   * timeout counts as missed), well before it is declared down and its jobs move.
   */
  answering(now = Date.now()): Backend[] {
    const freshMs = 2 * this.healthIntervalMs + 1_000;
    return this.backends.filter((b) => b.healthy && b.failures === 0 && b.lastOkAt !== undefined && now - b.lastOkAt <= freshMs);
  }

  /**
   * ComfyUI's POST /free on every server at once (by default unloading models and
   * freeing memory); one server's failure does not stop the others.
   */
  async free(options: { unloadModels?: boolean; freeMemory?: boolean } = {}): Promise<FreeOutcome[]> {
    const wanted = { unloadModels: options.unloadModels ?? true, freeMemory: options.freeMemory ?? true };
    return Promise.all(
      this.backends.map(async (b): Promise<FreeOutcome> => {
        try {
          await b.client.http.free(wanted);
          this.options.log.info('ComfyUI memory freed', { server: b.name, ...wanted });
          return { name: b.name, url: redactUrl(b.url), ok: true };
        } catch (err) {
          this.options.log.warn('ComfyUI /free failed', { server: b.name, error: err });
          return { name: b.name, url: redactUrl(b.url), ok: false, error: (err as Error).message };
        }
      }),
    );
  }

  byUrl(url: string): Backend | undefined {
    return this.backends.find((b) => b.url === url || b.url === url.replace(/\/+$/, ''));
  }

  /** Checks one server now; emits `down` once after repeated failures and `up` when it answers again. */
  async check(backend: Backend): Promise<void> {
    try {
      const asked = performance.now();
      const count = await backend.client.http.queueCount();
      const changed = backend.queueRemaining !== count;
      backend.queueRemaining = count;
      backend.queueRemainingAt = asked;
      backend.lastOkAt = Date.now();
      if (changed) this.emit('queue', backend);
      backend.failures = 0;
      backend.lastError = undefined;
      if (!backend.healthy) {
        backend.healthy = true;
        this.options.log.info('ComfyUI server is up', { server: backend.name });
        this.emit('up', backend);
      }
    } catch (err) {
      backend.failures++;
      backend.lastError = (err as Error).message;
      if (backend.healthy && backend.failures >= this.failuresBeforeDown) {
        backend.healthy = false;
        this.options.log.warn('ComfyUI server is down', { server: backend.name, error: backend.lastError });
        this.emit('down', backend);
      } else if (backend.failures === 1 && !backend.healthy) {
        this.options.log.warn('ComfyUI server is unreachable', { server: backend.name, error: backend.lastError });
      }
    }
  }

  /**
   * The least-loaded healthy server that has every model the job needs.
   * Throws NoBackendError with a message for the user when none fits.
   */
  async pick(needs: ModelNeed[], exclude: Backend[] = []): Promise<Backend> {
    const fitting = await this.fitting(needs, exclude);
    return fitting.reduce((best, b) => (b.load() < best.load() ? b : best));
  }

  /**
   * Every healthy server that has every model the job needs (at least one).
   * Throws NoBackendError with a message for the user when none fits.
   */
  async fitting(needs: ModelNeed[], exclude: Backend[] = []): Promise<Backend[]> {
    const candidates = this.backends.filter((b) => b.healthy && !exclude.includes(b));
    if (candidates.length === 0) {
      throw new NoBackendError(this.backends.length === 1 ? 'backend.unreachable_one' : 'backend.unreachable_all');
    }
    const fitting: Backend[] = [];
    for (const b of candidates) {
      const ok = await b.hasModels(needs, this.modelCacheMs).catch(() => false);
      if (ok) fitting.push(b);
    }
    if (fitting.length === 0) {
      const wanted = needs.map((n) => `${n.name} (${n.folder})`).join(', ');
      throw new NoBackendError('backend.no_model', { models: wanted });
    }
    return fitting;
  }
}
