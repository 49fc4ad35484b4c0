/**
 * A fake ComfyUI server for tests: real HTTP and WebSocket on 127.0.0.1, behaving
 * like the recorded ComfyUI 0.8.0 (shared/comfyui-real) down to message order and
 * error bodies, with no GPU and with ways to make it misbehave.
 */
import type { Execution, ExecutorSettings } from './executor.ts';
import { FileStore } from './file-store.ts';
import { HttpFrontend } from './http-server.ts';
import { customNodeInfo, type CustomNodePack } from './custom-nodes.ts';
import { defaultModels, type ModelFolders } from './models.ts';
import { NodeFaults, type NodeError } from './node-faults.ts';
import { NodeCatalog } from './object-info.ts';
import { resolveInside, type FolderType } from './paths.ts';
import type { HistoryEntry } from './prompt-queue.ts';
import { toPlain } from './py-json.ts';
import { FEATURES } from './recorded.ts';
import { RequestFaults, type FailResponse, type RequestMatcher } from './request-faults.ts';
import { RequestLog, type LoggedRequest } from './request-log.ts';
import { Router } from './router.ts';
import { registerFileRoutes } from './routes-files.ts';
import { registerInfoRoutes } from './routes-info.ts';
import { registerPromptRoutes } from './routes-prompt.ts';
import { ServerState } from './server-state.ts';
import { WsHub, type SocketInfo } from './ws-hub.ts';

export { makePng, readImageSize } from './png.ts';
export type { LoggedRequest } from './request-log.ts';
export type { RequestMatcher, FailResponse } from './request-faults.ts';
export type { NodeError } from './node-faults.ts';
export type { SocketInfo } from './ws-hub.ts';
export type { ModelFolders } from './models.ts';
export type { Execution } from './executor.ts';
export type { CustomNodePack } from './custom-nodes.ts';
export { mediaFixture } from './media.ts';

export interface FakeComfyOptions {
  /** Emulates a reverse proxy prefix, e.g. '/comfy'. */
  basePath?: string;
  /** Time per sampler step and per other node; 0 = none (still yields to the event loop). Default 5. */
  stepMs?: number;
  /** Binary latent previews during sampling. Default true. */
  previews?: boolean;
  checkpoints?: string[];
  loras?: string[];
  /** Extra ms a prompt takes when its checkpoint differs from the one the previous prompt loaded (a model switch). Default 0. */
  switchMs?: number;
  /** More model files by folder (`diffusion_models`, `text_encoders`, `vae`, …), e.g. a video model's. */
  models?: Partial<Record<string, string[]>>;
  /** Custom node packs installed (their node classes join object_info), e.g. VideoHelperSuite. */
  customNodes?: CustomNodePack[];
  /** A fixed port; default: any free one. */
  port?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

export class FakeComfy {
  /** Model folders; object_info's combos and /models follow edits to these lists. */
  models: ModelFolders;
  /** Every request, in arrival order (WebSocket upgrades included, status 101). */
  readonly requests: LoggedRequest[];
  /** Every prompt run to its end, in order (kept across restarts). */
  readonly executions: Execution[] = [];
  /** The most prompts (running + pending) the queue held at once since the start or `peakQueue = 0`. */
  peakQueue = 0;

  private readonly settings: ExecutorSettings;
  private readonly basePath: string;
  private readonly files = new FileStore();
  private readonly log = new RequestLog();
  private readonly requestFaults = new RequestFaults();
  private readonly nodeFaults = new NodeFaults();
  private readonly catalog: NodeCatalog;
  private readonly hub: WsHub;
  private readonly frontend: HttpFrontend;
  private state: ServerState;
  private refusedStatus: number | null = null;
  private dropTimer: NodeJS.Timeout | null = null;
  private held = false;
  private stopped = false;
  private historyWaiters: { promptId: string; resolve: (e: HistoryEntry) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];

  private constructor(options: FakeComfyOptions) {
    this.basePath = (options.basePath ?? '').replace(/\/+$/, '');
    if (this.basePath && !this.basePath.startsWith('/')) this.basePath = `/${this.basePath}`;
    this.settings = { stepMs: options.stepMs ?? 5, previews: options.previews ?? true, outputPadBytes: 0, switchMs: options.switchMs ?? 0 };
    this.models = defaultModels(options.checkpoints ?? ['random-sd15.safetensors'], options.loras ?? ['detail-tweaker.safetensors']);
    for (const [folder, names] of Object.entries(options.models ?? {})) this.models[folder] = [...(this.models[folder] ?? []), ...(names ?? [])];
    this.requests = this.log.entries;
    this.catalog = new NodeCatalog(
      () => this.models,
      () => this.files.listFiles('input'),
      customNodeInfo(options.customNodes ?? []),
    );
    this.hub = new WsHub({
      greet: (sid) => {
        this.hub.sendJson('status', this.state.statusData(sid), sid);
        const node = this.state.executor.runningNodeFor(sid);
        if (node !== null) this.hub.sendJson('executing', { node }, sid);
      },
      serverFeatures: () => FEATURES,
    });
    this.state = this.newState();
    const router = new Router();
    registerPromptRoutes(router, { state: () => this.state, catalog: this.catalog, files: this.files });
    registerInfoRoutes(router, { catalog: this.catalog, models: () => this.models });
    registerFileRoutes(router, this.files);
    this.frontend = new HttpFrontend({
      basePath: this.basePath,
      router,
      log: this.log,
      faults: this.requestFaults,
      hub: this.hub,
      refuseStatus: () => this.refusedStatus,
    });
  }

  static async start(options: FakeComfyOptions = {}): Promise<FakeComfy> {
    const fake = new FakeComfy(options);
    await fake.frontend.listen(options.port ?? 0);
    return fake;
  }

  /** `http://127.0.0.1:PORT` plus the proxy prefix. */
  get url(): string {
    return `http://127.0.0.1:${this.frontend.port}${this.basePath}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.frontend.port}${this.basePath}/ws`;
  }

  get port(): number {
    return this.frontend.port;
  }

  get stepMs(): number {
    return this.settings.stepMs;
  }

  set stepMs(ms: number) {
    this.settings.stepMs = ms;
  }

  get switchMs(): number {
    return this.settings.switchMs;
  }

  set switchMs(ms: number) {
    this.settings.switchMs = ms;
  }

  /** Prompts that loaded another checkpoint than the previous one on this server. */
  get checkpointSwitches(): number {
    return this.executions.filter((e) => e.switched).length;
  }

  get previews(): boolean {
    return this.settings.previews;
  }

  set previews(on: boolean) {
    this.settings.previews = on;
  }

  /** Pads every PNG produced from now on with this many bytes (an ancillary chunk). */
  get outputPadBytes(): number {
    return this.settings.outputPadBytes;
  }

  set outputPadBytes(bytes: number) {
    this.settings.outputPadBytes = bytes;
  }

  /** Registered sockets, one per clientId (the latest connection wins). */
  get sockets(): SocketInfo[] {
    return this.hub.list();
  }

  /** Resolves with the first request, past or future, that matches. */
  waitForRequest(match: (request: LoggedRequest) => boolean, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<LoggedRequest> {
    return this.log.waitFor(match, timeoutMs);
  }

  waitForSocket(clientId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SocketInfo> {
    return this.hub.waitFor(clientId, timeoutMs);
  }

  /** Resolves once the prompt has a history entry (finished, failed or interrupted); plain JSON values. */
  waitForHistory(promptId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<HistoryEntryJson> {
    const known = this.state.queue.historyEntry(promptId);
    if (known) return Promise.resolve(historyToPlain(known));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.historyWaiters = this.historyWaiters.filter((w) => w.timer !== timer);
        reject(new Error(`FakeComfy.waitForHistory: prompt ${promptId} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      this.historyWaiters.push({ promptId, resolve: (entry) => resolve(historyToPlain(entry)), reject, timer });
    });
  }

  /** Prompt ids waiting and running right now (pending in run order, unlike GET /queue). */
  get queue(): { running: string[]; pending: string[] } {
    const { queue } = this.state;
    const pending = queue.pendingItems().sort((a, b) => Number(a.number) - Number(b.number) || (a.promptId < b.promptId ? -1 : 1));
    return { running: queue.runningItems().map((i) => i.promptId), pending: pending.map((i) => i.promptId) };
  }

  /** Puts a file where an upload would (input by default): for tests that start with one in place. */
  putFile(name: string, bytes: Buffer, options: { subfolder?: string; type?: FolderType } = {}): void {
    const path = resolveInside(options.subfolder ?? '', name);
    if (!path) throw new Error(`FakeComfy.putFile: bad path ${options.subfolder ?? ''}/${name}`);
    this.files.put(options.type ?? 'input', path, bytes);
  }

  /** The bytes of a stored file (upload or output), as /view would serve them untouched. */
  readFile(name: string, options: { subfolder?: string; type?: FolderType } = {}): Buffer | undefined {
    const path = resolveInside(options.subfolder ?? '', name);
    return path ? this.files.read(options.type ?? 'output', path) : undefined;
  }

  // --- fault injection -------------------------------------------------------------

  /** Cuts every WebSocket now, without a close frame. */
  dropSockets(): void {
    this.hub.dropAll();
  }

  /** Cuts every WebSocket every `ms` milliseconds; null stops it. */
  dropSocketsEvery(ms: number | null): void {
    if (this.dropTimer) clearInterval(this.dropTimer);
    this.dropTimer = ms === null ? null : setInterval(() => this.hub.dropAll(), ms);
  }

  /** Answers WebSocket upgrades with this HTTP status (403, 502...) until called with null. */
  refuseSockets(status: number | null): void {
    this.refusedStatus = status;
  }

  /** The next `times` matching requests get this response instead of being handled. */
  failNext(matcher: RequestMatcher, response: FailResponse, times = 1): void {
    this.requestFaults.failNext(matcher, response, times);
  }

  /** The next `times` matching requests wait `ms` before being handled. */
  delayNext(matcher: RequestMatcher, ms: number, times = 1): void {
    this.requestFaults.delayNext(matcher, ms, times);
  }

  /** The next `times` matching requests take effect at once but are answered `ms` later (a slow network back). */
  delayAnswerNext(matcher: RequestMatcher, ms: number, times = 1): void {
    this.requestFaults.delayAnswerNext(matcher, ms, times);
  }

  /** Every matching request waits `ms`, until the returned function is called. */
  delay(matcher: RequestMatcher, ms: number): () => void {
    return this.requestFaults.delay(matcher, ms);
  }

  /** Nodes of this class raise at run time (execution_error), `times` times; null clears. */
  failNode(classType: string, error: NodeError | null, times = Infinity): void {
    this.nodeFaults.set(classType, error, times);
  }

  /** Keeps the executor from starting another prompt (the running one finishes). */
  hold(): void {
    this.held = true;
    this.state.executor.hold();
  }

  release(): void {
    this.held = false;
    this.state.executor.release();
  }

  /**
   * A ComfyUI restart: every connection cut, queue, history, cache and counter gone,
   * temp files wiped; uploads, outputs and models kept; back on the same port.
   */
  async restart(): Promise<void> {
    await this.kill();
    await this.revive();
  }

  /**
   * The process dies: the port refuses connections until revive(). With
   * `keepState` the queue keeps running behind the closed port (a network outage
   * rather than a crash).
   */
  async kill(options: { keepState?: boolean } = {}): Promise<void> {
    if (!options.keepState) {
      this.state.executor.abandon();
      this.failHistoryWaiters('FakeComfy was killed');
      this.state = this.newState();
      this.files.clear('temp');
    }
    this.hub.dropAll();
    await this.frontend.close();
  }

  async revive(): Promise<void> {
    if (this.frontend.listening) return;
    await this.frontend.listen(this.frontend.port);
    this.state.executor.kick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.dropSocketsEvery(null);
    this.state.executor.abandon();
    this.requestFaults.clear();
    this.log.rejectWaiters('FakeComfy stopped');
    this.hub.rejectWaiters('FakeComfy stopped');
    this.failHistoryWaiters('FakeComfy stopped');
    this.hub.close();
    await this.frontend.close();
  }

  private newState(): ServerState {
    const state = new ServerState({
      hub: this.hub,
      catalog: this.catalog,
      files: this.files,
      faults: this.nodeFaults,
      settings: this.settings,
      finished: (promptId) => this.historyWritten(promptId),
      record: (execution) => this.executions.push(execution),
      queueChanged: (remaining) => (this.peakQueue = Math.max(this.peakQueue, remaining)),
    });
    if (this.held) state.executor.hold();
    return state;
  }

  private historyWritten(promptId: string): void {
    const entry = this.state.queue.historyEntry(promptId);
    if (!entry) return;
    this.historyWaiters = this.historyWaiters.filter((w) => {
      if (w.promptId !== promptId) return true;
      clearTimeout(w.timer);
      w.resolve(entry);
      return false;
    });
  }

  private failHistoryWaiters(reason: string): void {
    for (const w of this.historyWaiters) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
    this.historyWaiters = [];
  }
}

export interface HistoryEntryJson {
  prompt: unknown[];
  outputs: Record<string, Record<string, unknown> & { images?: { filename: string; subfolder: string; type: string }[] }>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: [string, Record<string, unknown>][] };
  meta: Record<string, unknown>;
}

function historyToPlain(entry: HistoryEntry): HistoryEntryJson {
  return toPlain({ prompt: entry.prompt, outputs: entry.outputs, status: entry.status, meta: entry.meta }) as HistoryEntryJson;
}
