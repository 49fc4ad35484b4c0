// A ComfyUI server as one object: HTTP calls, its socket, and the jobs this client submitted.
import { randomUUID } from 'node:crypto';
import type { BinaryFrame } from './binary.ts';
import { TypedEmitter } from './emitter.ts';
import { ComfyHttp, type ComfyHttpOptions } from './http.ts';
import { Job, resultFromHistory, type JobController, type JobResult } from './job.ts';
import { QueuePositions } from './positions.ts';
import type { ApiWorkflow, KnownMessage, KnownMessageType } from './schemas.ts';
import { ComfySocket, type ComfySocketOptions, type SocketMessage } from './socket.ts';

export interface ComfyClientOptions extends ComfyHttpOptions {
  /** Stable per process (and per shard): ComfyUI routes a prompt's messages to the socket of its client id. */
  clientId?: string;
  socket?: Omit<ComfySocketOptions, 'url' | 'headers'>;
  /** Look up queue positions of waiting jobs when the queue changes (one shared GET /queue). */
  trackPositions?: boolean;
  /** GET /queue for positions at most this often; positions of our own jobs are derived in between. */
  positionsIntervalMs?: number;
  /** Reconcile unfinished jobs that had no news for this long (a safety net under the socket). */
  reconcileIntervalMs?: number;
}

export interface SubmitOptions {
  front?: boolean;
  number?: number;
  /** Defaults to a fresh UUID, chosen here so that no early message can arrive for an unknown prompt. */
  promptId?: string;
  extraData?: Record<string, unknown>;
  /** Called with the job before it is sent, so listeners miss nothing however fast the server is. */
  onJob?: (job: Job) => void;
}

export interface ComfyClientEvents extends Record<string, unknown> {
  open: { reconnect: boolean };
  close: { code: number; reason: string; retryInMs: number };
  error: Error;
  message: SocketMessage;
  binary: BinaryFrame;
  status: { queueRemaining: number };
}

/** The message types `routeKnown` acts on. */
const ROUTED_TYPES = new Set<string>([
  'status',
  'execution_start',
  'execution_cached',
  'executing',
  'progress',
  'executed',
  'execution_success',
  'execution_error',
  'execution_interrupted',
] satisfies KnownMessageType[]);

export class ComfyClient extends TypedEmitter<ComfyClientEvents> implements JobController {
  readonly http: ComfyHttp;
  readonly socket: ComfySocket;
  readonly clientId: string;
  private readonly jobs = new Map<string, Job>();
  /** The prompt this client's socket last heard starting; binary previews without metadata belong to it. */
  private runningPromptId: string | undefined;
  /** Undefined when positions are not tracked. */
  private readonly positions: QueuePositions | undefined;
  private reconciling: Promise<void> | undefined;
  private reconcileAgain: Promise<void> | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private readonly reconcileIntervalMs: number;
  queueRemaining: number | undefined;

  constructor(options: ComfyClientOptions) {
    super();
    this.http = new ComfyHttp(options);
    this.clientId = options.clientId ?? randomUUID();
    if (options.trackPositions ?? true) {
      this.positions = new QueuePositions(
        {
          readQueue: () => this.http.queue(),
          job: (promptId) => this.jobs.get(promptId),
          hasWaitingJobs: () => [...this.jobs.values()].some((j) => j.phase === 'pending'),
        },
        options.positionsIntervalMs ?? 250,
      );
    }
    this.reconcileIntervalMs = options.reconcileIntervalMs ?? 60_000;
    this.socket = new ComfySocket({
      ...options.socket,
      url: this.http.wsUrl(this.clientId),
      headers: this.http.requestHeaders,
      // progress_state (one per node, naming every node so far) is only validated when someone listens to messages.
      wants: (type) => ROUTED_TYPES.has(type) || this.listenerCount('message') > 0,
    });
    this.socket.on('open', (e) => this.onOpen(e.reconnect));
    this.socket.on('close', (e) => this.emit('close', { code: e.code, reason: e.reason, retryInMs: e.retryInMs }));
    this.socket.on('error', (e) => this.emit('error', e));
    this.socket.on('message', (m) => this.route(m));
    this.socket.on('binary', (b) => this.routeBinary(b));
  }

  get url(): string {
    return this.http.baseUrl;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Opens the socket (and keeps it open); resolves once connected, or rejects after `timeoutMs`. */
  /** Opens the socket and keeps it open (reconnecting), without waiting for it. */
  start(): void {
    this.socket.start();
    this.startReconcileTimer();
  }

  connect(timeoutMs = 10_000): Promise<void> {
    this.start();
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      const onError = (e: Error) => {
        lastError = e;
      };
      const timer = setTimeout(() => {
        this.off('open', onOpen);
        this.off('error', onError);
        reject(new Error(`Could not open the WebSocket to ComfyUI within ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`));
      }, timeoutMs);
      const onOpen = () => {
        clearTimeout(timer);
        this.off('error', onError);
        resolve();
      };
      this.once('open', onOpen);
      this.on('error', onError);
    });
  }

  close(): void {
    clearInterval(this.reconcileTimer);
    this.positions?.stop();
    this.socket.stop();
    void this.http.close();
  }

  /** Jobs this client is following that have not finished. */
  unfinishedJobs(): Job[] {
    return [...this.jobs.values()].filter((j) => !j.finished);
  }

  job(promptId: string): Job | undefined {
    return this.jobs.get(promptId);
  }

  /**
   * Queues a workflow. Throws ComfyValidationError (with every node error) when
   * ComfyUI refuses it; otherwise the job's events follow, ending in one `done`.
   */
  async submit(workflow: ApiWorkflow, options: SubmitOptions = {}): Promise<Job> {
    const promptId = options.promptId ?? randomUUID();
    const job = new Job(promptId, workflow, this);
    this.jobs.set(promptId, job);
    options.onJob?.(job);
    let number: number;
    try {
      ({ number } = await this.http.submit({
        prompt: workflow,
        client_id: this.clientId,
        prompt_id: promptId,
        ...(options.extraData ? { extra_data: options.extraData } : {}),
        ...(options.number !== undefined ? { number: options.number } : {}),
        ...(options.front ? { front: true } : {}),
      }));
    } catch (err) {
      this.jobs.delete(promptId);
      throw err;
    }
    job.number = number;
    if (job.phase === 'submitting') {
      job.markPending(undefined, 0);
      this.positions?.joined(promptId, number);
    }
    this.forget(job);
    return job;
  }

  /**
   * Follows a prompt submitted earlier (by this client id, e.g. before a restart):
   * its state is read from /queue and /history and its events follow.
   */
  track(promptId: string, workflow?: ApiWorkflow): Job {
    const existing = this.jobs.get(promptId);
    if (existing && existing.phase !== 'submitting') return existing;
    if (existing) this.jobs.delete(promptId);
    const job = new Job(promptId, workflow, this);
    job.phase = 'pending';
    this.jobs.set(promptId, job);
    this.forget(job);
    void this.reconcile().catch(() => {});
    return job;
  }

  /** Stops following a prompt without finishing it (its job moved to another server). */
  untrack(promptId: string): void {
    this.jobs.delete(promptId);
    if (this.runningPromptId === promptId) this.runningPromptId = undefined;
  }

  async cancel(job: Job): Promise<JobResult> {
    if (job.result) return job.result;
    const outcome = await this.http.cancel(job.promptId);
    if (outcome === 'interrupted') {
      const settled = await Promise.race([job.done, delay(5_000)]);
      if (settled) return settled;
    } else if (outcome === 'deleted') {
      // A deleted prompt gets no message from ComfyUI; unless it finished meanwhile, it ends here.
      const entry = await this.http.historyOf(job.promptId);
      if (entry) this.finishFromHistory(job, entry);
      else job.finish({ status: 'interrupted', promptId: job.promptId, nodeId: undefined, wasPending: true });
      return job.done;
    }
    await this.reconcile();
    return job.done;
  }

  /**
   * Brings every unfinished job up to date from /queue and /history — after a
   * reconnect, anything the server sent while the socket was down is lost.
   */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      // Jobs added while a pass runs were not in it: one more pass follows, shared by every caller.
      this.reconcileAgain ??= this.reconciling.catch(() => {}).then(() => {
        this.reconcileAgain = undefined;
        return this.reconcile();
      });
      return this.reconcileAgain;
    }
    this.reconciling = this.doReconcile().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private async doReconcile(): Promise<void> {
    const jobs = [...this.jobs.values()].filter((j) => !j.finished && j.phase !== 'submitting');
    if (jobs.length === 0) return;
    const queue = await this.http.queue();
    const running = new Set(queue.running.map((e) => e.promptId));
    const pendingAt = new Map(queue.pending.map((e, i) => [e.promptId, i + 1]));
    await Promise.all(
      jobs.map(async (job) => {
        if (running.has(job.promptId)) {
          this.runningPromptId = job.promptId;
          job.markStarted();
          return;
        }
        const position = pendingAt.get(job.promptId);
        if (position !== undefined) {
          job.markPending(position, queue.pending.length);
          return;
        }
        const entry = await this.http.historyOf(job.promptId);
        if (job.finished) return;
        if (entry) this.finishFromHistory(job, entry);
        else {
          job.finish({
            status: 'lost',
            promptId: job.promptId,
            reason: 'ComfyUI no longer knows this prompt: it is neither queued nor in its history (the server probably restarted)',
          });
        }
      }),
    );
  }

  private finishFromHistory(job: Job, entry: Parameters<typeof resultFromHistory>[1]): void {
    const result = resultFromHistory(job.promptId, entry);
    if (result === 'success') job.succeed(entry);
    else job.finish(result);
  }

  private onOpen(reconnect: boolean): void {
    this.emit('open', { reconnect });
    if (this.unfinishedJobs().length > 0) void this.reconcile().catch((e: Error) => this.emit('error', e));
  }

  private startReconcileTimer(): void {
    if (this.reconcileTimer) return;
    this.reconcileTimer = setInterval(() => {
      const stale = this.unfinishedJobs().some((j) => Date.now() - j.lastNewsAt > this.reconcileIntervalMs);
      if (stale) void this.reconcile().catch((e: Error) => this.emit('error', e));
    }, Math.max(1_000, this.reconcileIntervalMs / 2));
    this.reconcileTimer.unref();
  }

  private forget(job: Job): void {
    void job.done.then(() => {
      if (this.runningPromptId === job.promptId) this.runningPromptId = undefined;
      this.jobs.delete(job.promptId);
      this.positions?.left(job.promptId);
    });
  }

  // ---- routing: socket messages → jobs

  private route(msg: SocketMessage): void {
    this.emit('message', msg);
    if ('unknown' in msg) return;
    this.routeKnown(msg);
  }

  private routeKnown(msg: KnownMessage): void {
    switch (msg.type) {
      case 'status':
        this.queueRemaining = msg.data.status.exec_info.queue_remaining;
        this.emit('status', { queueRemaining: this.queueRemaining });
        this.positions?.refresh();
        return;
      case 'execution_start':
        this.runningPromptId = msg.data.prompt_id;
        this.jobs.get(msg.data.prompt_id)?.markStarted();
        this.positions?.left(msg.data.prompt_id);
        return;
      case 'execution_cached':
        this.jobs.get(msg.data.prompt_id)?.markCached(msg.data.nodes);
        return;
      case 'executing': {
        const promptId = msg.data.prompt_id ?? this.runningPromptId;
        if (!promptId) return;
        if (msg.data.node === null) {
          if (this.runningPromptId === promptId) this.runningPromptId = undefined;
          return;
        }
        this.runningPromptId = promptId;
        this.jobs.get(promptId)?.markExecuting(msg.data.display_node ?? msg.data.node);
        return;
      }
      case 'progress': {
        const promptId = msg.data.prompt_id ?? this.runningPromptId;
        if (promptId) this.jobs.get(promptId)?.markProgress(msg.data.value, msg.data.max, msg.data.node ?? undefined);
        return;
      }
      case 'executed':
        this.jobs.get(msg.data.prompt_id)?.markOutput(msg.data.display_node ?? msg.data.node, msg.data.output);
        return;
      case 'execution_success': {
        const job = this.jobs.get(msg.data.prompt_id);
        if (!job || job.finished) return;
        // History has every output (also those the socket missed); if it cannot be read, what `executed` said is complete.
        this.http.historyOf(job.promptId).then(
          (entry) => job.succeed(entry),
          () => job.succeed(undefined),
        );
        return;
      }
      case 'execution_error': {
        const d = msg.data;
        this.jobs.get(d.prompt_id)?.finish({
          status: 'error',
          promptId: d.prompt_id,
          nodeId: d.node_id ?? undefined,
          nodeType: d.node_type ?? undefined,
          exceptionType: d.exception_type,
          message: d.exception_message.trim(),
          traceback: d.traceback,
        });
        return;
      }
      case 'execution_interrupted':
        this.jobs
          .get(msg.data.prompt_id)
          ?.finish({ status: 'interrupted', promptId: msg.data.prompt_id, nodeId: msg.data.node_id ?? undefined, wasPending: false });
        return;
      default:
        return;
    }
  }

  private routeBinary(frame: BinaryFrame): void {
    this.emit('binary', frame);
    if (frame.event !== 'preview') return;
    // Event 4 names its prompt; event 1 does not, but ComfyUI runs one prompt at a time, so it is the running one.
    const promptId = frame.promptId ?? this.runningPromptId;
    if (promptId) this.jobs.get(promptId)?.markPreview(frame.image, frame.mime, frame.nodeId);
  }
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
