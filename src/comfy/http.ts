// Every HTTP call of ComfyUI (SPEC C1–C13), typed, validated at the edge.
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FormData, Pool, type Dispatcher } from 'undici';
import type { z } from 'zod';
import {
  ComfyFileTooLargeError,
  ComfyNotAnImageError,
  ComfyNotFoundError,
  ComfyRequestError,
  ComfyUnavailableError,
  ComfyValidationError,
  type FailedRequest,
} from './errors.ts';
import { isStillImage } from './outputs.ts';
import {
  Features,
  History,
  type HistoryEntry,
  type ImageType,
  NodeInfo,
  ObjectInfo,
  PromptErrorBody,
  QueueCount,
  QueueState,
  type QueueItem,
  StringList,
  SubmitAnswer,
  type SubmitRequest,
  SystemStats,
  UploadAnswer,
} from './schemas.ts';

export interface ComfyHttpOptions {
  /** Base address, may carry a path prefix: `http://gpu1:8188` or `https://proxy/comfy`. */
  url: string;
  /** Sent with every request and the WebSocket upgrade (for an authenticating proxy). */
  headers?: Record<string, string>;
  /** How long ordinary calls may wait for the answer to start, and then between parts of its body. */
  timeoutMs?: number;
  /** The same for uploads and image downloads, which move more bytes. */
  transferTimeoutMs?: number;
  /** Defaults to a connection pool of this client's own for the server's origin. */
  dispatcher?: Dispatcher;
}

export interface QueueEntry {
  number: number;
  promptId: string;
  clientId: string | undefined;
  createTime: number | undefined;
  outputs: string[];
  item: QueueItem;
}

/** Running and pending jobs; `pending` is in the order the server will run them. */
export interface QueueSnapshot {
  running: QueueEntry[];
  pending: QueueEntry[];
}

export interface UploadOptions {
  subfolder?: string;
  type?: ImageType;
  overwrite?: boolean;
}

export interface ViewOptions {
  /** Ask ComfyUI to re-encode, e.g. `{ format: 'jpeg', quality: 85 }`. Still images only (ComfyNotAnImageError otherwise). */
  preview?: { format: 'jpeg' | 'webp'; quality: number };
  /** `rgb` or `a` split a still image's channels (still images only); `rgba` is the file as it is. */
  channel?: 'rgb' | 'a' | 'rgba';
}

export interface SaveViewOptions extends ViewOptions {
  /**
   * Refuse a file larger than this (ComfyFileTooLargeError, nothing written): checked
   * against the answer's Content-Length before a byte is saved, and while saving.
   */
  maxBytes?: number;
}

/** What /view says of a file without sending it: its size (when the server tells) and type. */
export interface FileSize {
  size: number | undefined;
  contentType: string;
}

/** Where an image is: its name, subfolder and type (input, output, temp). */
export interface ImageAddress {
  filename: string;
  subfolder?: string;
  type?: ImageType;
}

export interface Download {
  bytes: Buffer;
  contentType: string;
}

/** A file saved straight from `/view` to disk, never whole in memory. */
export interface SavedFile {
  path: string;
  size: number;
  contentType: string;
}

/** What to do with an answer's body: read it as text, as bytes, stream it into a file, or only read its headers. */
type Sink = 'text' | 'bytes' | 'headers' | { file: string; maxBytes?: number };

type Body = { json: unknown } | { form: FormData } | { raw: string; contentType: string };

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_TRANSFER_TIMEOUT_MS = 120_000;

export class ComfyHttp {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly transferTimeoutMs: number;
  private readonly origin: string;
  /** The base address's path (a proxy prefix), put before every request's path. */
  private readonly pathPrefix: string;
  private readonly dispatcher: Dispatcher;
  /** The pool this client made for itself (not one it was given), closed with it. */
  private readonly ownPool: Pool | undefined;

  constructor(options: ComfyHttpOptions) {
    this.baseUrl = normaliseBaseUrl(options.url);
    this.headers = { ...basicAuthOf(options.url), ...options.headers };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.transferTimeoutMs = options.transferTimeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS;
    this.origin = new URL(this.baseUrl).origin;
    this.pathPrefix = this.baseUrl.slice(this.origin.length);
    // A pool of our own spares every request the global agent's lookup of the origin.
    this.ownPool = options.dispatcher ? undefined : new Pool(this.origin);
    this.dispatcher = options.dispatcher ?? this.ownPool!;
  }

  /** Closes the connections once the requests in flight are answered. */
  async close(): Promise<void> {
    await this.ownPool?.close();
  }

  // C1
  async queueCount(): Promise<number> {
    return (await this.getJson('/prompt', QueueCount)).exec_info.queue_remaining;
  }

  // C2, C12. A 400 becomes ComfyValidationError with every node error.
  async submit(body: SubmitRequest): Promise<SubmitAnswer> {
    const req = { method: 'POST', path: '/prompt' };
    const res = await this.send(req, { json: body });
    if (res.status === 400) {
      const parsed = PromptErrorBody.safeParse(parseJsonOrUndefined(res.text));
      if (parsed.success) {
        const error =
          typeof parsed.data.error === 'string'
            ? { type: 'invalid_prompt', message: parsed.data.error, details: '', extra_info: {} }
            : parsed.data.error;
        throw new ComfyValidationError(error, parsed.data.node_errors, body.prompt, req);
      }
    }
    return this.decode(req, res, SubmitAnswer);
  }

  // C3
  async history(options: { maxItems?: number; offset?: number } = {}): Promise<History> {
    const query = new URLSearchParams();
    if (options.maxItems !== undefined) query.set('max_items', String(options.maxItems));
    if (options.offset !== undefined) query.set('offset', String(options.offset));
    const qs = query.size > 0 ? `?${query.toString()}` : '';
    return this.getJson(`/history${qs}`, History);
  }

  /** One prompt's history entry, or undefined when the server does not know it (it answers `{}`). */
  async historyOf(promptId: string): Promise<HistoryEntry | undefined> {
    const all = await this.getJson(`/history/${encodeURIComponent(promptId)}`, History);
    return all[promptId];
  }

  async deleteHistory(promptIds: string[]): Promise<void> {
    await this.postEmpty('/history', { delete: promptIds });
  }

  async clearHistory(): Promise<void> {
    await this.postEmpty('/history', { clear: true });
  }

  // C4
  async modelFolders(): Promise<string[]> {
    return this.getJson('/models', StringList);
  }

  async models(folder: string): Promise<string[]> {
    return this.getJson(`/models/${encodeURIComponent(folder)}`, StringList);
  }

  async embeddings(): Promise<string[]> {
    return this.getJson('/embeddings', StringList);
  }

  // C5
  async objectInfo(): Promise<ObjectInfo> {
    return this.getJson('/object_info', ObjectInfo);
  }

  /** One node class, or undefined when the server has no such class (it answers `{}`). */
  async nodeInfo(classType: string): Promise<NodeInfo | undefined> {
    const all = await this.getJson(`/object_info/${encodeURIComponent(classType)}`, ObjectInfo);
    return all[classType];
  }

  // C6
  async uploadImage(bytes: Uint8Array, filename: string, options: UploadOptions = {}): Promise<UploadAnswer> {
    return this.upload('/upload/image', bytes, filename, options);
  }

  /**
   * Uploads a mask for an image already uploaded. ComfyUI stores the original
   * image with the mask's alpha; `original.type` must be given (it assumes `output`).
   */
  async uploadMask(
    bytes: Uint8Array,
    filename: string,
    original: { filename: string; subfolder?: string; type?: ImageType },
    options: UploadOptions = {},
  ): Promise<UploadAnswer> {
    const ref = { filename: original.filename, subfolder: original.subfolder ?? '', type: original.type ?? 'input' };
    return this.upload('/upload/mask', bytes, filename, options, JSON.stringify(ref));
  }

  // C7
  async deletePending(promptIds: string[]): Promise<void> {
    await this.postEmpty('/queue', { delete: promptIds });
  }

  async clearQueue(): Promise<void> {
    await this.postEmpty('/queue', { clear: true });
  }

  /** Interrupts the running prompt; with a prompt id, only if that prompt is the one running. */
  async interrupt(promptId?: string): Promise<void> {
    await this.postEmpty('/interrupt', promptId === undefined ? {} : { prompt_id: promptId });
  }

  /**
   * Cancels one prompt: deleted if it waits (and confirmed gone), interrupted if
   * it runs. The interrupt is targeted, so ComfyUI ignores it unless this prompt
   * is the one running: it can never stop someone else's job.
   */
  async cancel(promptId: string): Promise<'deleted' | 'interrupted' | 'not-queued'> {
    const before = await this.queue();
    const has = (q: QueueSnapshot, list: 'pending' | 'running') => q[list].some((e) => e.promptId === promptId);
    if (has(before, 'pending')) {
      await this.deletePending([promptId]);
      const after = await this.queue();
      if (!has(after, 'pending') && !has(after, 'running')) return 'deleted';
    } else if (!has(before, 'running')) {
      return 'not-queued';
    }
    await this.interrupt(promptId);
    return 'interrupted';
  }

  // C8
  async queue(): Promise<QueueSnapshot> {
    const state = await this.getJson('/queue', QueueState);
    return {
      running: state.queue_running.map(toQueueEntry),
      // The server keeps pending prompts in a heap; the lowest number runs first.
      pending: state.queue_pending.map(toQueueEntry).sort(byRunOrder),
    };
  }

  // C9
  viewUrl(image: ImageAddress, options: ViewOptions = {}): string {
    const query = new URLSearchParams({
      filename: image.filename,
      type: image.type ?? 'output',
      subfolder: image.subfolder ?? '',
    });
    if (options.preview) query.set('preview', `${options.preview.format};${Math.round(options.preview.quality)}`);
    if (options.channel) query.set('channel', options.channel);
    return `${this.baseUrl}/view?${query.toString()}`;
  }

  async view(image: ImageAddress, options: ViewOptions = {}): Promise<Download> {
    const req = this.viewRequest(image, options);
    const res = await this.send(req, undefined, this.transferTimeoutMs, 'bytes');
    this.throwForStatus(req, res);
    return { bytes: res.bytes, contentType: res.contentType ?? 'application/octet-stream' };
  }

  /**
   * Like `view`, but streams the file to `path`: videos and large images need not
   * fit in memory. Any kind of file; `preview`/`channel` only for still images.
   */
  async saveView(image: ImageAddress, path: string, options: SaveViewOptions = {}): Promise<SavedFile> {
    const req = this.viewRequest(image, options);
    const res = await this.send(req, undefined, this.transferTimeoutMs, { file: path, maxBytes: options.maxBytes });
    this.throwForStatus(req, res);
    return { path, size: res.size, contentType: res.contentType ?? 'application/octet-stream' };
  }

  /**
   * A file's size without downloading it: a one-byte range request (ComfyUI's
   * /view serves ranges), or the Content-Length of a server that ignores ranges.
   */
  async viewSize(image: ImageAddress): Promise<FileSize> {
    const req = this.viewRequest(image, {});
    const res = await this.send(req, undefined, this.timeoutMs, 'headers', { range: 'bytes=0-0' });
    this.throwForStatus(req, res);
    return { size: res.totalSize, contentType: res.contentType ?? 'application/octet-stream' };
  }

  private viewRequest(image: ImageAddress, options: ViewOptions): FailedRequest {
    const reencodes = options.preview !== undefined || (options.channel !== undefined && options.channel !== 'rgba');
    if (reencodes && !isStillImage(image.filename)) throw new ComfyNotAnImageError(image.filename);
    return { method: 'GET', path: this.viewUrl(image, options).slice(this.baseUrl.length) };
  }

  // C13
  async systemStats(): Promise<SystemStats> {
    return this.getJson('/system_stats', SystemStats);
  }

  async features(): Promise<Features> {
    return this.getJson('/features', Features);
  }

  async free(options: { unloadModels?: boolean; freeMemory?: boolean } = {}): Promise<void> {
    await this.postEmpty('/free', { unload_models: options.unloadModels ?? false, free_memory: options.freeMemory ?? false });
  }

  /** The WebSocket address for a client id, with the same prefix as the HTTP base. */
  wsUrl(clientId: string): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(clientId)}`;
  }

  get requestHeaders(): Readonly<Record<string, string>> {
    return this.headers;
  }

  // ------------------------------------------------------------ plumbing

  private async upload(
    path: string,
    bytes: Uint8Array,
    filename: string,
    options: UploadOptions,
    originalRef?: string,
  ): Promise<UploadAnswer> {
    const form = new FormData();
    form.set('image', new Blob([bytes]), filename);
    if (options.overwrite) form.set('overwrite', 'true');
    if (options.subfolder) form.set('subfolder', options.subfolder);
    if (options.type) form.set('type', options.type);
    if (originalRef !== undefined) form.set('original_ref', originalRef);
    const req = { method: 'POST', path };
    const res = await this.send(req, { form }, this.transferTimeoutMs);
    return this.decode(req, res, UploadAnswer);
  }

  private async getJson<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T>> {
    const req = { method: 'GET', path };
    return this.decode(req, await this.send(req), schema);
  }

  private async postEmpty(path: string, json: unknown): Promise<void> {
    const req = { method: 'POST', path };
    this.throwForStatus(req, await this.send(req, { json }));
  }

  private decode<T extends z.ZodType>(req: FailedRequest, res: RawResponse, schema: T): z.infer<T> {
    this.throwForStatus(req, res);
    const json = parseJsonOrUndefined(res.text);
    if (json === undefined) {
      throw new ComfyUnavailableError(
        `ComfyUI answered ${req.method} ${req.path} with something that is not JSON (${describeBody(res)})`,
        req,
        res.status,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      throw new ComfyUnavailableError(
        `ComfyUI's answer to ${req.method} ${req.path} has an unexpected shape${where}: ${issue?.message ?? 'invalid'}`,
        req,
        res.status,
      );
    }
    return parsed.data;
  }

  private throwForStatus(req: FailedRequest, res: RawResponse): void {
    if (res.status < 400) return;
    if (res.status >= 500) {
      throw new ComfyUnavailableError(
        `ComfyUI failed on ${req.method} ${req.path}: HTTP ${res.status}${res.text ? ` (${describeBody(res)})` : ''}`,
        req,
        res.status,
      );
    }
    if (res.status === 404) throw new ComfyNotFoundError(`ComfyUI has nothing at ${req.method} ${req.path} (404)`, req);
    const detail = res.text ? `: ${describeBody(res)}` : '';
    const hint =
      res.status === 413 ? ' (larger than the server allows; see --max-upload-size)' : res.status === 403 ? ' (forbidden)' : '';
    throw new ComfyRequestError(`ComfyUI refused ${req.method} ${req.path}: HTTP ${res.status}${hint}${detail}`, res.status, req);
  }

  private async send(
    req: FailedRequest,
    body?: Body,
    timeoutMs = this.timeoutMs,
    sink: Sink = 'text',
    extraHeaders: Record<string, string> = {},
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { ...this.headers, ...extraHeaders };
    let payload: string | FormData | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body && 'form' in body) {
      payload = body.form;
    } else if (body) {
      headers['content-type'] = body.contentType;
      payload = body.raw;
    }
    try {
      // undici's own timers instead of an AbortSignal per request: the signal, its timer and listeners cost more than the request's own work.
      const res = await this.dispatcher.request({
        origin: this.origin,
        path: `${this.pathPrefix}${req.path}`,
        method: req.method,
        headers,
        body: payload,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const contentType = headerValue(res.headers['content-type']);
      const length = sizeHeader(res.headers['content-length']);
      const answer = { status: res.statusCode, contentType, text: '', bytes: EMPTY, size: 0, totalSize: totalSizeOf(res.statusCode, res.headers, length) };
      if (res.statusCode >= 400 || sink === 'text') return { ...answer, text: await res.body.text() };
      if (sink === 'headers') {
        // dump(), not destroy(): it reads a little and closes quietly (a destroyed body emits an error nobody hears).
        await res.body.dump().catch(() => {});
        return answer;
      }
      if (sink === 'bytes') {
        const bytes = Buffer.from(await res.body.arrayBuffer());
        return { ...answer, bytes, size: bytes.length };
      }
      const { maxBytes } = sink;
      if (maxBytes !== undefined && length !== undefined && length > maxBytes) {
        await res.body.dump().catch(() => {});
        throw new ComfyFileTooLargeError(`${req.path} is ${length} bytes, more than the ${maxBytes} allowed`, length, maxBytes, req);
      }
      const file = createWriteStream(sink.file);
      if (maxBytes === undefined) await pipeline(res.body, file);
      else {
        let received = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            received += chunk.length;
            if (received > maxBytes) done(new ComfyFileTooLargeError(`${req.path} is more than the ${maxBytes} bytes allowed`, undefined, maxBytes, req));
            else done(null, chunk);
          },
        });
        await pipeline(res.body, counter, file);
      }
      return { ...answer, size: file.bytesWritten };
    } catch (err) {
      if (err instanceof ComfyFileTooLargeError) throw err;
      if (isTimeout(err)) {
        throw new ComfyUnavailableError(
          `ComfyUI did not answer ${req.method} ${req.path} within ${timeoutMs} ms`,
          req,
          undefined,
          { cause: err, timeout: true },
        );
      }
      const code = (err as { code?: string }).code;
      throw new ComfyUnavailableError(
        `ComfyUI at ${redactUrl(this.baseUrl)} is unreachable (${code ?? (err as Error).message})`,
        req,
        undefined,
        { cause: err },
      );
    }
  }
}

interface RawResponse {
  status: number;
  contentType: string | undefined;
  text: string;
  bytes: Buffer;
  /** Bytes of the body when it was read as bytes or saved to a file. */
  size: number;
  /** The whole file's size: Content-Range's total of a 206, else Content-Length. */
  totalSize: number | undefined;
}

function sizeHeader(v: string | string[] | undefined): number | undefined {
  const n = Number(headerValue(v));
  return headerValue(v) !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function totalSizeOf(status: number, headers: Record<string, string | string[] | undefined>, length: number | undefined): number | undefined {
  if (status !== 206) return length;
  const total = /\/(\d+)\s*$/.exec(headerValue(headers['content-range']) ?? '')?.[1];
  return total === undefined ? undefined : Number(total);
}

const EMPTY = Buffer.alloc(0);

function toQueueEntry(item: QueueItem): QueueEntry {
  const [number, promptId, , extra, outputs] = item;
  return { number, promptId, clientId: extra.client_id, createTime: extra.create_time, outputs, item };
}

function byRunOrder(a: QueueEntry, b: QueueEntry): number {
  return a.number - b.number || (a.createTime ?? 0) - (b.createTime ?? 0);
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

function parseJsonOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeBody(res: RawResponse): string {
  const text = res.text.replace(/\s+/g, ' ').trim();
  return text.length > 120 ? `${text.slice(0, 120)}…` : text || `${res.contentType ?? 'no content type'}`;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function normaliseBaseUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`ComfyUI address must start with http:// or https:// (got ${redactUrl(url)})`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** `http://user:pass@host` becomes an Authorization header, so credentials never travel in logged URLs. */
function basicAuthOf(url: string): Record<string, string> {
  const parsed = new URL(url);
  if (!parsed.username) return {};
  const pair = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

/** An address without user:password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<invalid address>';
  }
}
