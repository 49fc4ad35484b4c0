// Jobs as the bot sees them: accepted into the bot's own queue, sent to a server
// when one has room, followed to the end, and re-attached after any restart.
// Knows nothing of Discord.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ComfyNotFoundError, ComfyUnavailableError, ComfyValidationError, TypedEmitter, type ApiWorkflow, type Job, type JobResult, type UploadAnswer } from '../comfy/index.ts';
import type { Logger } from '../log.ts';
import { applyOptions, OptionValueError } from '../workflows/apply.ts';
import { findNode } from '../workflows/edit.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import { type Backend, type BackendPool, type ModelNeed } from './backends.ts';
import { Dispatcher, pendingOnServers } from './dispatcher.ts';
import { isUploadOption } from '../workflows/manifest.ts';
import { fixedModelNeeds } from '../workflows/model-files.ts';
import type { Delivery, InputOrigin, JobRow, Ledger, Outcome, Parent } from './ledger.ts';
import { checkLimits, type Limits } from './limits.ts';
import { SqliteQueueStore, type PutFirstOutcome, type QueueStore } from './queue-store.ts';
import type { FinalResult, Refusal, ResultOutput } from './result.ts';
import { fairOrder, ON_SERVER_STATES, waitingPositions, type ModelKey, type QueuedJob } from './schedule.ts';
import { UserError, type LostReason, type Notice } from './user-error.ts';

export type { FinalResult, ResultFile, ResultOutput, SuccessResult } from './result.ts';

export interface Attachment {
  bytes: Buffer;
  filename: string;
  /** An output of an earlier job: on the server that has it, the job's LoadImage names it in place (no upload). */
  origin?: InputOrigin;
}

export interface JobRequest {
  userId: string;
  workflow: string;
  values: Record<string, unknown>;
  attachments: Record<string, Attachment>;
  delivery: Delivery;
  shard: number;
  /** Members with Manage Server are not rate limited. */
  exempt?: boolean;
  /** A member of PRIORITY_ROLES: the job goes before everyone else's (fair among themselves). */
  priority?: boolean;
  /** Seeds to reuse (a retry reruns the same image). */
  seeds?: Record<string, number>;
  /** The job this one is made from (an action on one of its images, a Remix). */
  parent?: Parent;
}

export type JobUpdate =
  /** Waiting in the bot's queue: `position` − 1 prompts start before it. */
  | { kind: 'waiting'; job: JobRow; position: number; total: number; paused: boolean }
  /** Pending on a ComfyUI server. */
  | { kind: 'queued'; job: JobRow; position: number; total: number }
  | { kind: 'started'; job: JobRow }
  | { kind: 'progress'; job: JobRow; value: number; max: number; node: string | undefined }
  | { kind: 'executing'; job: JobRow; node: string }
  | { kind: 'preview'; job: JobRow; image: Buffer; mime: string }
  /** Something that happened to the job that its user should know of, as a catalogue code with data (the Discord side words it). */
  | { kind: 'notice'; job: JobRow; notice: Notice }
  | { kind: 'finished'; job: JobRow; result: FinalResult };

export interface JobServiceEvents extends Record<string, unknown> {
  update: JobUpdate;
  /** A job was accepted: recorded and handed to a server. */
  accepted: JobRow;
  /** A job's outcome was recorded (success, error, cancelled, lost or rejected); once per job. */
  ended: JobRow;
}

/** Finds a banned word in a text (src/moderation); the service only asks. */
export interface TextScreen {
  find(text: string): string | undefined;
}

/** Between the processes of a sharded bot, which share one ledger file. */
export type QueueEvent =
  /** The queue changed (a job accepted, started, ended, the queue paused…): look again. */
  | { kind: 'changed' }
  /** The dispatching process posted a job of `shard`: its owner follows it from now on. */
  | { kind: 'dispatched'; jobId: string; shard: number };

export interface QueueSignal {
  notify(event: QueueEvent): void;
  onEvent(handler: (event: QueueEvent) => void): void;
}

export interface QueueSettings {
  /** BACKEND_QUEUE_DEPTH. */
  depth: number;
  /** AFFINITY_MAX_WAIT_MS. */
  affinityMaxWaitMs: number;
}

export interface JobServiceOptions {
  ledger: Ledger;
  pool: BackendPool;
  workflows: { get(name: string): LoadedWorkflow | undefined };
  dataDir: string;
  limits: Limits;
  log: Logger;
  shard?: number;
  queue?: QueueSettings;
  /** The ComfyUI client id of each shard (a prompt's events reach the socket of its client id). */
  clientIdOf?: (shard: number) => string;
  /** Under SHARDS: the other shard processes, and this one's name for the dispatcher lease. */
  shared?: { signal: QueueSignal; holder: string };
  /** Banned words: a text option containing one is refused before anything is sent. */
  bannedWords?: TextScreen;
}

/** Posting to a server that failed this often in a row ends the job with the last error. */
const MAX_SEND_ATTEMPTS = 5;
/** Positions of waiting jobs are worked out at most this often (every change moves every one of them). */
const POSITIONS_INTERVAL_MS = 250;

export class JobService extends TypedEmitter<JobServiceEvents> {
  /**
   * Live ComfyUI jobs by our job id, each with its ledger row as this service last wrote it
   * (progress comes many times a second: no ledger read for each). A job moved to another
   * server gets a new entry.
   */
  private readonly live = new Map<string, { job: Job; row: JobRow | undefined }>();
  private readonly cancelledBy = new Map<string, string>();
  /** The bot's own queue, in the ledger's file. */
  readonly queue: QueueStore;
  readonly dispatcher: Dispatcher;
  private readonly shard: number;
  /** Jobs whose command is still being answered: a refusal at their first post goes back to the command. */
  private readonly accepting = new Set<string>();
  /** Posts of those jobs, for the command to await. */
  private readonly firstPosts = new Map<string, Promise<JobRow>>();
  /** Every post under way in this process, by job id (a cancel waits for it). */
  private readonly posting = new Map<string, Promise<unknown>>();
  /**
   * The workflow definition each unfinished job was accepted with, by job id: a
   * reload (/admin reload) that changes or removes a workflow does not change the
   * jobs already accepted. Dropped when the job ends. After a restart a job runs
   * with the definition of that name then on disk.
   */
  private readonly definitions = new Map<string, LoadedWorkflow>();
  /** Waiting jobs' positions as last told, so an unchanged one is not told again, with their rows (read once). */
  private readonly shown = new Map<string, { key: string; row: JobRow }>();
  private positionsTimer: NodeJS.Timeout | undefined;
  private positionsAt = -Infinity;
  private readonly followers = new Map<string, Array<() => void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private started = false;
  /** The bot is stopping (the ledger closes next): a post still under way must not write to it. */
  private stopped = false;

  constructor(private readonly o: JobServiceOptions) {
    super();
    this.shard = o.shard ?? 0;
    this.queue = new SqliteQueueStore(o.ledger);
    const settings = o.queue ?? { depth: 1, affinityMaxWaitMs: 10_000 };
    this.dispatcher = new Dispatcher({
      store: this.queue,
      pool: o.pool,
      depth: settings.depth,
      affinityMaxWaitMs: settings.affinityMaxWaitMs,
      log: o.log,
      send: (row, backend) => this.startPost(row, backend),
      ...(o.shared ? { lease: { holder: o.shared.holder, ttlMs: 6_000 } } : {}),
    });
    o.pool.on('down', (b) => this.failover(b));
    o.pool.on('up', () => {
      void this.recoverClaims();
      void this.changed();
    });
    // A server's queue count changed (someone's prompt started or ended): it may have room now.
    o.pool.on('queue', (b) => {
      this.reconcileIfBehind(b);
      if (this.started) void this.dispatcher.kick();
      this.refreshPositions();
    });
    o.shared?.signal.onEvent((e) => this.onQueueEvent(e));
  }

  get ledger(): Ledger {
    return this.o.ledger;
  }

  /**
   * Accepts a job: checks limits, values and that a server has its models,
   * records it in the bot's queue and sends it on at once if a server has room.
   * Throws UserError with a message for the user (nothing recorded) or, when
   * ComfyUI refuses the workflow at once, ComfyValidationError (recorded as rejected).
   */
  async submit(req: JobRequest): Promise<JobRow> {
    const loaded = this.o.workflows.get(req.workflow);
    if (!loaded) throw new UserError('workflow.unknown', { workflow: req.workflow });
    this.screen(req.workflow, req.values, req.userId);
    if (!req.exempt) checkLimits(this.o.ledger, req.userId, this.o.limits);
    // Validate the values before touching any server, so bad input costs nothing.
    const checked = applyOptions(loaded, req.values, { uploads: placeholderUploads(req.attachments), seeds: req.seeds });
    const needs = modelNeeds(loaded, req.values);
    await this.o.pool.fitting(needs);
    const id = shortId();
    const inputs = await this.keepInputs(id, req.attachments);
    const models = modelsOf(checked.workflow);
    const row = this.queue.enqueue({
      id,
      seeds: req.seeds ?? {},
      promptId: randomUUID(),
      shard: req.shard,
      userId: req.userId,
      workflow: req.workflow,
      params: req.values,
      inputs,
      delivery: req.delivery,
      parent: req.parent ?? null,
      priority: req.priority ?? false,
      checkpoint: models.checkpoint,
      loras: models.loras,
      needs,
    });
    this.definitions.set(id, loaded);
    const log = this.o.log.child({ jobId: id, userId: req.userId, promptId: row.promptId });
    log.info('job accepted', { priority: row.priority, checkpoint: row.checkpoint });
    this.accepting.add(id);
    let sent: JobRow;
    try {
      await this.changed();
      const post = this.firstPosts.get(id);
      sent = post ? await post : (this.o.ledger.get(id) ?? row);
    } catch (err) {
      // The caller tells the user; the row stays as a record of the refusal.
      const rejected = this.write(id, {
        state: 'delivered',
        outcome: 'rejected',
        result: refusalRecord(err),
        finishedAt: Date.now(),
      });
      log.warn('job refused', { error: err });
      this.definitions.delete(id);
      if (rejected) this.emit('ended', rejected);
      throw err;
    } finally {
      this.accepting.delete(id);
      this.firstPosts.delete(id);
    }
    this.emit('accepted', sent);
    return sent;
  }

  /**
   * Refuses values whose text options (prompt, negative, …) contain a banned word,
   * naming the word. Cheap and local: callers run it before downloading attachments.
   * The log names the user and the word, never the text.
   */
  screen(workflow: string, values: Record<string, unknown>, userId: string): void {
    const loaded = this.o.workflows.get(workflow);
    const words = this.o.bannedWords;
    if (!loaded || !words) return;
    for (const option of loaded.manifest.options) {
      const value = values[option.name];
      if (option.type !== 'text' || typeof value !== 'string') continue;
      const word = words.find(value);
      if (word === undefined) continue;
      this.o.log.info('prompt refused: banned word', { userId, workflow, option: option.name, word });
      throw new UserError('moderation.banned_word', { option: option.name, word });
    }
  }

  /**
   * The server counts fewer prompts than the ledger says this shard has on it: the
   * socket missed that some started or ended (it dropped, or a message was lost).
   * Ask the server now, so the next job is not held back until the socket's own
   * reconciling.
   */
  private reconcileIfBehind(b: Backend): void {
    if (!this.started || b.queueRemaining === undefined || !this.dispatcher.countedSinceLastPost(b)) return;
    if (b.queueRemaining < this.queue.postedCount(b.url, this.shard)) void b.client.reconcile().catch(() => {});
  }

  /** The queue changed here: positions, this process's dispatcher and the other shards hear of it. */
  private changed(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.refreshPositions();
    this.o.shared?.signal.notify({ kind: 'changed' });
    return this.started ? this.dispatcher.kick() : Promise.resolve();
  }

  private onQueueEvent(e: QueueEvent): void {
    if (e.kind === 'dispatched' && e.shard === this.shard) this.followDispatched(e.jobId);
    this.refreshPositions();
    if (this.started) void this.dispatcher.kick();
  }

  /**
   * Posts to one server go out one after another in the order the dispatcher took
   * the jobs (ComfyUI runs its queue in the order prompts arrive), while uploads
   * for them may overlap.
   */
  private readonly turns = new Map<string, Promise<void>>();

  private takeTurn(url: string): { ready: Promise<void>; done: () => void } {
    const ready = this.turns.get(url) ?? Promise.resolve();
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const tail = ready.then(() => finished);
    this.turns.set(url, tail);
    void tail.then(() => {
      if (this.turns.get(url) === tail) this.turns.delete(url);
    });
    return { ready, done };
  }

  /** Called by the dispatcher for each job it took for `backend`. */
  private startPost(row: JobRow, backend: Backend): void {
    const turn = this.takeTurn(backend.url);
    const post = this.post(row, backend, turn.ready).finally(turn.done);
    this.posting.set(row.id, post);
    void post.catch(() => {}).finally(() => this.posting.delete(row.id));
    if (this.accepting.has(row.id)) {
      this.firstPosts.set(row.id, post);
      post.catch(() => {}); // the command awaits it and answers the refusal
    } else {
      post.catch((err: unknown) => this.refusedLater(row.id, err));
    }
  }

  /**
   * Uploads the inputs to `backend`, fills the workflow and posts it under the row's
   * prompt id, for the socket of the shard that owns the job. A server that does not
   * answer puts the job back at the head of the queue; a refusal is thrown.
   */
  private async post(row: JobRow, backend: Backend, turn: Promise<void>): Promise<JobRow> {
    const log = this.o.log.child({ jobId: row.id, userId: row.userId, promptId: row.promptId });
    const loaded = this.workflowOf(row);
    if (!loaded) throw new UserError('workflow.not_installed', { workflow: row.workflow });
    let applied;
    try {
      const uploads = await this.uploadInputs(row, backend);
      const values = await this.withServerDefaults(loaded, backend, valuesOf(loaded, row.params));
      applied = applyOptions(loaded, values, { uploads, seeds: row.seeds });
    } catch (err) {
      if (this.mayRetry(row, err)) return this.sendFailed(row, backend, err);
      throw err;
    }
    if (this.stopped) return row;
    const models = modelsOf(applied.workflow);
    // What ran is recorded (defaults and random seeds included), so the job can be shown, rerun and re-rolled.
    this.write(row.id, { params: applied.params, seeds: applied.seeds, checkpoint: models.checkpoint, loras: models.loras });
    await turn;
    // Cancelled or moved while its inputs were uploading: nothing to post. Stopping: the next start recovers it.
    if (this.stopped || !this.stillClaimed(row)) return this.stopped ? row : (this.o.ledger.get(row.id) ?? row);
    const extraData = { bot: { job: row.id, user: row.userId } };
    const here = row.shard === this.shard;
    try {
      if (here) {
        const job = await backend.client
          .submit(applied.workflow, { promptId: row.promptId, extraData, onJob: (j) => this.follow(row.id, j) })
          .catch((err: unknown) => {
            if (!isTimeout(err)) throw err;
            return this.followUnanswered(row, backend, applied.workflow);
          });
        void job;
      } else {
        await backend.client.http
          .submit({ prompt: applied.workflow, client_id: this.clientIdOf(row.shard), prompt_id: row.promptId, extra_data: extraData })
          .catch((err: unknown) => {
            // Its owner follows the prompt id either way; reconciling tells whether ComfyUI has it.
            if (!isTimeout(err)) throw err;
          });
      }
    } catch (err) {
      if (this.mayRetry(row, err)) return this.sendFailed(row, backend, err);
      throw err;
    }
    if (this.stopped) return row;
    this.dispatcher.posted(backend);
    const current = this.o.ledger.get(row.id);
    // The time ComfyUI took it: its place on that server (a failover puts jobs back in this order).
    const updated = current?.state === 'dispatching' ? this.write(row.id, { state: 'queued', dispatchedAt: Date.now() })! : (current ?? row);
    if (!here) this.o.shared?.signal.notify({ kind: 'dispatched', jobId: row.id, shard: row.shard });
    log.info('job queued', { server: backend.name, checkpoint: models.checkpoint });
    return updated;
  }

  /** No answer is not a refusal: ComfyUI may have queued it. Follow the prompt id; reconciling tells. */
  private followUnanswered(row: JobRow, backend: Backend, workflow: ApiWorkflow): Job {
    this.o.log.warn('ComfyUI did not answer the submit in time; following the prompt anyway', { jobId: row.id, promptId: row.promptId });
    const tracked = backend.client.track(row.promptId, workflow);
    this.follow(row.id, tracked);
    return tracked;
  }

  /** The job is still this post's to send (not cancelled, not put back by a failover meanwhile). */
  private stillClaimed(row: JobRow): boolean {
    const now = this.o.ledger.get(row.id);
    return now?.state === 'dispatching' && now.promptId === row.promptId && now.server === row.server;
  }

  /**
   * A server that did not take a job from the queue (down, restarting, a proxy's
   * 5xx) may take it later. During its command the user is told at once instead,
   * as when jobs were sent straight away.
   */
  private mayRetry(row: JobRow, err: unknown): boolean {
    return isTransient(err) && !this.accepting.has(row.id) && row.attempts < MAX_SEND_ATTEMPTS;
  }

  /** The server did not take the job: back to the head of the queue, the server left alone for a moment. */
  private sendFailed(row: JobRow, backend: Backend, err: unknown): JobRow {
    if (this.stopped) return row;
    this.o.log.warn('could not send the job to ComfyUI; it goes back to the head of the queue', { jobId: row.id, server: backend.name, error: err });
    this.dispatcher.coolDown(backend);
    void this.o.pool.check(backend);
    const [released] = this.queue.release([{ id: row.id, promptId: randomUUID() }]);
    void this.changed();
    return released ?? this.o.ledger.get(row.id) ?? row;
  }

  /** A job posted after its command was answered was refused: its message says why. */
  private refusedLater(id: string, err: unknown): void {
    if (this.stopped) return;
    this.o.log.warn('job refused by ComfyUI', { jobId: id, error: err });
    const row = this.o.ledger.get(id);
    if (!row || row.state === 'finished' || row.state === 'delivered') return;
    this.finishAs(id, refusalResult(err));
  }

  private clientIdOf(shard: number): string {
    return this.o.clientIdOf?.(shard) ?? this.o.pool.backends[0]!.client.clientId;
  }

  /**
   * A model option nobody set keeps the workflow's value only if this server has
   * that model; otherwise the server's first model of that folder is used.
   */
  private async withServerDefaults(loaded: LoadedWorkflow, backend: Backend, values: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out = { ...values };
    for (const option of loaded.manifest.options) {
      if (option.type !== 'choice' || option.choices.from !== 'models') continue;
      const names = await backend.modelNames(option.choices.folder, this.o.pool.modelCacheMs).catch(() => undefined);
      if (!names || names.size === 0) continue;
      const current = out[option.name] ?? option.default ?? currentValue(loaded, option);
      if (typeof current === 'string' && names.has(current)) continue;
      if (values[option.name] !== undefined) continue;
      out[option.name] = [...names][0];
    }
    return out;
  }

  /** Every change to a job goes through here, so the row kept for a followed job stays exact. */
  private write(id: string, patch: Parameters<Ledger['update']>[1]): JobRow | undefined {
    const row = this.o.ledger.update(id, patch);
    const entry = this.live.get(id);
    if (row && entry) entry.row = row;
    const shown = this.shown.get(id);
    if (row && shown) shown.row = row;
    return row;
  }

  /** Follows a ComfyUI job and turns its events into updates for the job's message. */
  private follow(id: string, job: Job): void {
    const entry = { job, row: this.o.ledger.get(id) };
    this.live.set(id, entry);
    for (const wake of this.followers.get(id) ?? []) wake();
    this.followers.delete(id);
    const current = () => entry.row;
    const stillOurs = () => this.live.get(id) === entry;
    job.on('queued', (e) => {
      const row = current();
      if (row && stillOurs()) this.emit('update', { kind: 'queued', job: row, position: e.position, total: e.total });
    });
    job.on('started', () => {
      if (!stillOurs()) return;
      const row = this.write(id, { state: 'running', startedAt: Date.now() });
      if (row) this.emit('update', { kind: 'started', job: row });
      // Its place on the server is free: the next job can go there.
      void this.changed();
    });
    job.on('executing', (e) => {
      const row = current();
      if (row && stillOurs()) this.emit('update', { kind: 'executing', job: row, node: e.title });
    });
    job.on('progress', (e) => {
      const row = current();
      if (row && stillOurs()) this.emit('update', { kind: 'progress', job: row, value: e.value, max: e.max, node: e.title });
    });
    job.on('preview', (e) => {
      const row = current();
      if (row && stillOurs()) this.emit('update', { kind: 'preview', job: row, image: e.image, mime: e.mime });
    });
    void job.done.then((result) => {
      if (!stillOurs()) return;
      this.live.delete(id);
      this.conclude(id, result);
    });
  }

  /** Another process posted this shard's job: follow it by its prompt id. */
  private followDispatched(id: string): void {
    if (this.live.has(id)) return;
    const row = this.o.ledger.get(id);
    if (!row || row.shard !== this.shard || (row.state !== 'queued' && row.state !== 'running')) return;
    const backend = this.o.pool.byUrl(row.server);
    if (!backend) return;
    this.follow(id, backend.client.track(row.promptId, this.workflowOf(row)?.workflow));
  }

  /** Resolves once this process follows the job (another process may be posting it), or after `ms`. */
  private followed(id: string, ms = 5_000): Promise<void> {
    if (this.live.has(id)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      const list = this.followers.get(id) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.followers.set(id, list);
    });
  }

  private conclude(id: string, result: JobResult, lost: LostReason = { code: 'server_forgot', data: {} }): void {
    const row = this.o.ledger.get(id);
    if (!row || row.state === 'finished' || row.state === 'delivered' || row.state === 'waiting') return;
    const log = this.o.log.child({ jobId: id, userId: row.userId, promptId: row.promptId });
    const by = this.cancelledBy.get(id);
    // A prompt we asked ComfyUI to delete is one it no longer knows: that is the cancel
    // done (a reconcile may see it gone before the cancel's own answer), not a lost job to run again.
    const ended: JobResult = result.status === 'lost' && by !== undefined ? { status: 'interrupted', promptId: row.promptId, nodeId: undefined, wasPending: row.state !== 'running' } : result;
    if (ended.status === 'lost' && this.requeue([row], 'server_lost')) return;
    const final = toFinal(row, ended, by ?? null, lost);
    if (final.kind === 'success') final.outputs = postedOutputs(this.workflowOf(row), final.outputs);
    this.cancelledBy.delete(id);
    this.finishAs(id, final);
    log.info('job finished', { outcome: final.kind, outputs: final.kind === 'success' ? final.outputs.map((o) => o.kind) : [] });
  }

  /** Records the end of a job and hands it to the Discord side for the final message. */
  private finishAs(id: string, final: FinalResult): void {
    const outcome: Outcome = final.kind;
    const done = this.write(id, { state: 'finished', outcome, result: final, finishedAt: Date.now() });
    this.definitions.delete(id);
    if (!done) return;
    this.emit('ended', done);
    this.emit('update', { kind: 'finished', job: done, result: final });
    void this.changed();
  }

  /** The definition a job was accepted with (kept across a reload), else the one of that name now. */
  private workflowOf(row: { id: string; workflow: string }): LoadedWorkflow | undefined {
    return this.definitions.get(row.id) ?? this.o.workflows.get(row.workflow);
  }

  /**
   * The Discord side calls this once the user has the final message, with the
   * result as delivered when that says more (the files that stayed on the server).
   */
  markDelivered(id: string, delivered?: FinalResult): void {
    this.write(id, { state: 'delivered', ...(delivered ? { result: delivered } : {}) });
  }

  /** Records a new message location (e.g. the job moved to a channel message before its token expired). */
  updateDelivery(id: string, delivery: Delivery): JobRow | undefined {
    return this.write(id, { delivery });
  }

  /**
   * Cancels a job: a job waiting in the bot leaves the queue (a ledger change, no
   * ComfyUI call); one pending on a server is deleted there, a running one interrupted
   * (by prompt id). Resolves with what happened; a job that already ended is left alone.
   */
  async cancel(id: string, byUserId: string): Promise<'cancelled' | 'already-finished' | 'unknown'> {
    const row = this.o.ledger.get(id);
    if (!row) return 'unknown';
    if (row.state === 'finished' || row.state === 'delivered') return 'already-finished';
    if (row.state === 'waiting') {
      const final: FinalResult = { kind: 'cancelled', by: byUserId, wasPending: true };
      const done = this.queue.cancelWaiting(id, final);
      if (done) {
        this.o.log.info('waiting job cancelled', { jobId: id, userId: done.userId, by: byUserId });
        this.definitions.delete(id);
        this.emit('ended', done);
        this.emit('update', { kind: 'finished', job: done, result: final });
        void this.changed();
        return 'cancelled';
      }
      // Taken for a server meanwhile: cancel it there.
    }
    if (!this.cancelledBy.has(id)) this.cancelledBy.set(id, byUserId);
    await this.posting.get(id)?.catch(() => {});
    if (!this.live.has(id)) await this.followed(id);
    const job = this.live.get(id)?.job;
    if (!job) {
      // Back in the queue (its post failed) or never followed here.
      return this.o.ledger.get(id)?.state === 'waiting' ? this.cancel(id, byUserId) : 'already-finished';
    }
    const result = await job.cancel();
    // 'lost': ComfyUI no longer has it, which is what the delete asked for (see conclude).
    return result.status === 'interrupted' || result.status === 'lost' ? 'cancelled' : 'already-finished';
  }

  /** `/admin first`: the waiting job goes next. */
  putFirst(id: string): PutFirstOutcome {
    const outcome = this.queue.putFirst(id);
    if (outcome === 'first') {
      this.o.log.info('job put first in the queue', { jobId: id });
      void this.changed();
    }
    return outcome;
  }

  /** `/admin pause|resume`: whether anything is sent to the servers. Returns whether it changed. */
  setPaused(paused: boolean): boolean {
    const changed = this.queue.setPaused(paused);
    if (changed) {
      this.o.log.info(paused ? 'queue paused' : 'queue resumed');
      void this.changed();
    }
    return changed;
  }

  get paused(): boolean {
    return this.queue.isPaused();
  }

  /** The bot's queue in dispatch order, and ours on each server, for /queue and /status. */
  queueState(): { paused: boolean; waiting: QueuedJob[]; onServers: QueuedJob[]; pendingOnServers: number } {
    const view = this.queue.view();
    return {
      paused: view.paused,
      waiting: fairOrder(view.waiting, view.onServers),
      onServers: view.onServers,
      pendingOnServers: pendingOnServers(view, this.o.pool.backends),
    };
  }

  /** Positions of this shard's waiting jobs, worked out again soon (coalesced: at most every 250 ms). */
  private refreshPositions(): void {
    if (this.positionsTimer || this.stopped) return;
    const wait = Math.max(0, this.positionsAt + POSITIONS_INTERVAL_MS - performance.now());
    this.positionsTimer = setTimeout(() => {
      this.positionsTimer = undefined;
      this.positionsAt = performance.now();
      try {
        this.publishPositions();
      } catch (err) {
        this.o.log.warn('could not work out queue positions', { error: err });
      }
    }, wait);
    this.positionsTimer.unref();
  }

  private publishPositions(): void {
    const state = this.queueState();
    const positions = waitingPositions(state.waiting, state.pendingOnServers);
    const mine = new Set<string>();
    for (const j of state.waiting) {
      if (j.shard !== this.shard) continue;
      mine.add(j.id);
      const p = positions.get(j.id)!;
      const key = `${p.position}/${p.total}/${state.paused}`;
      const seen = this.shown.get(j.id);
      if (seen?.key === key) continue;
      const row = seen?.row ?? this.o.ledger.get(j.id);
      if (row?.state !== 'waiting') continue;
      this.shown.set(j.id, { key, row });
      this.emit('update', { kind: 'waiting', job: row, position: p.position, total: p.total, paused: state.paused });
    }
    for (const id of this.shown.keys()) if (!mine.has(id)) this.shown.delete(id);
  }

  /**
   * After a start: re-attaches every unfinished job of this shard (nothing a user
   * started is forgotten), then starts sending waiting jobs to the servers.
   */
  async resume(): Promise<number> {
    const rows = this.o.ledger.unfinished(this.shard);
    for (const row of rows) {
      if (row.state === 'finished') {
        const result: FinalResult =
          row.result && row.result.kind !== 'rejected' ? row.result : { kind: 'lost', reason: { code: 'result_unreadable', data: {} } };
        this.emit('update', { kind: 'finished', job: row, result });
        continue;
      }
      // Waiting jobs are the dispatcher's; a claim cut short is recovered below.
      if (row.state === 'waiting' || row.state === 'dispatching' || row.state === 'submitting') continue;
      const backend = this.o.pool.byUrl(row.server);
      if (!backend) {
        this.conclude(
          row.id,
          { status: 'lost', promptId: row.promptId, reason: 'server_removed' },
          { code: 'server_removed', data: {} },
        );
        continue;
      }
      const job = backend.client.track(row.promptId);
      this.follow(row.id, job);
    }
    if (rows.length) this.o.log.info('resumed unfinished jobs', { count: rows.length });
    this.started = true;
    this.dispatcher.start(() => void this.recoverClaims());
    if (this.o.shared) {
      // A job another process posted is followed when it says so; this catches a message that never came.
      const timer = setInterval(() => {
        for (const row of this.o.ledger.unfinished(this.shard)) {
          if ((row.state === 'queued' || row.state === 'running') && !this.live.has(row.id)) this.followDispatched(row.id);
        }
      }, 1_000);
      timer.unref();
      this.timers.push(timer);
    }
    await this.recoverClaims();
    await this.changed();
    return rows.length;
  }

  /**
   * Jobs taken for a server by a dispatcher that stopped before it had posted them
   * (state `dispatching`): followed if the server has the prompt, else back at the
   * head of the queue. Only the dispatching process does this.
   */
  private async recoverClaims(): Promise<void> {
    if (!this.dispatcher.active) return;
    const stale = this.o.ledger
      .unfinished()
      .filter((r) => (r.state === 'dispatching' || r.state === 'submitting') && !this.posting.has(r.id));
    for (const row of stale) {
      const backend = this.o.pool.byUrl(row.server);
      const known = backend ? await promptKnown(backend, row.promptId) : false;
      if (known === undefined) continue; // the server does not answer: ask again when it is back
      if (!known) {
        this.o.log.info('a job taken for a server was never posted; back at the head of the queue', { jobId: row.id });
        this.queue.release([{ id: row.id, promptId: randomUUID() }]);
        continue;
      }
      this.write(row.id, { state: 'queued' });
      if (row.shard === this.shard) {
        if (!this.live.has(row.id)) this.follow(row.id, backend!.client.track(row.promptId, this.workflowOf(row)?.workflow));
      } else this.o.shared?.signal.notify({ kind: 'dispatched', jobId: row.id, shard: row.shard });
    }
    if (stale.length) void this.changed();
  }

  stop(): void {
    this.stopped = true;
    this.dispatcher.stop();
    clearTimeout(this.positionsTimer);
    for (const t of this.timers) clearInterval(t);
  }

  /**
   * Deletes the kept input images of jobs delivered more than `maxAgeMs` ago, so
   * weeks of img2img do not fill the disk. Their Re-roll then asks for a new upload.
   */
  async pruneInputs(maxAgeMs: number, now = Date.now()): Promise<number> {
    const rows = this.o.ledger.withInputsBefore(now - maxAgeMs);
    for (const row of rows) {
      await rm(join(this.o.dataDir, 'inputs', row.id), { recursive: true, force: true });
      this.o.ledger.clearInputs(row.id);
    }
    if (rows.length) this.o.log.info('removed old input images', { jobs: rows.length });
    return rows.length;
  }

  /**
   * Forgets delivered jobs created more than `maxAgeMs` ago: their ledger rows and
   * the input images kept for them (then their buttons answer that the job is no
   * longer known). Input folders left without a row (a crash between the two) go too.
   * Jobs still waiting, running or being delivered are never touched.
   */
  async purge(maxAgeMs: number, now = Date.now()): Promise<{ jobs: number; orphanInputFolders: number }> {
    const cutoff = now - maxAgeMs;
    const ids = new Set(this.o.ledger.deleteDeliveredBefore(cutoff));
    const inputs = join(this.o.dataDir, 'inputs');
    for (const id of ids) await rm(join(inputs, id), { recursive: true, force: true });
    let orphanInputFolders = 0;
    const left = await readdir(inputs).catch(() => [] as string[]);
    for (const id of left) {
      if (ids.has(id) || this.o.ledger.get(id)) continue;
      // A folder is written just before its row: only old ones can be leftovers.
      const info = await stat(join(inputs, id)).catch(() => undefined);
      if (!info || info.mtimeMs >= cutoff) continue;
      await rm(join(inputs, id), { recursive: true, force: true });
      orphanInputFolders++;
    }
    this.o.log.info('purged old jobs', { jobs: ids.size, orphanInputFolders, olderThanDays: Math.round(maxAgeMs / 86_400_000) });
    return { jobs: ids.size, orphanInputFolders };
  }

  /**
   * Runs a job again with the same values (Retry, Re-roll with `newSeed`); `changes`
   * replaces some values and names the job it came from (a Remix: new prompt, new seed).
   * `priority`: the one who asked is of a priority role (decided where the interaction came in).
   */
  async retry(
    id: string,
    userId: string,
    delivery: Delivery,
    shard: number,
    newSeed: boolean,
    changes: { values?: Record<string, unknown>; parent?: Parent; priority?: boolean } = {},
  ): Promise<JobRow> {
    const row = this.o.ledger.get(id);
    if (!row) throw new UserError('job.not_in_ledger');
    const attachments: Record<string, Attachment> = {};
    for (const [name, input] of Object.entries(row.inputs)) {
      const bytes = await readFile(input.path).catch(() => undefined);
      if (bytes) attachments[name] = { bytes, filename: input.filename, ...(input.origin ? { origin: input.origin } : {}) };
    }
    const loadedForInputs = this.o.workflows.get(row.workflow);
    const needsUpload = loadedForInputs?.manifest.options.some((o) => isUploadOption(o) && o.required && !attachments[o.name]);
    if (needsUpload) throw new UserError('job.input_gone');
    const loaded = this.o.workflows.get(row.workflow);
    if (!loaded) throw new UserError('workflow.not_installed', { workflow: row.workflow });
    const values = { ...valuesOf(loaded, newSeed ? withoutSeeds(loaded, row.params) : row.params), ...changes.values };
    // A rerun of a derived job (Re-roll of an upscale) still comes from the same parent.
    const parent = changes.parent ?? row.parent ?? undefined;
    return this.submit({ userId, workflow: row.workflow, values, attachments, delivery, shard, priority: changes.priority ?? false, seeds: newSeed ? {} : row.seeds, ...(parent ? { parent } : {}) });
  }

  /**
   * One output file of a finished job, fetched again from ComfyUI's output folder
   * through /view (not from Discord, whose links expire), to be the input of a new
   * job: uploaded to the server that runs it, or named in place when that is the
   * server that has it. `index` is the output's place (0 = the first).
   */
  async outputAsInput(job: JobRow, index: number): Promise<Attachment> {
    const result = job.result;
    const output = result?.kind === 'success' ? result.outputs[index] : undefined;
    const gone = new UserError('job.output_gone', { image: index + 1, job: job.id });
    if (result?.kind !== 'success' || !output || output.kind !== 'image') throw gone;
    const backend = this.o.pool.byUrl(result.server);
    if (!backend) throw gone;
    const file = await backend.client.http.view(output).catch((err: unknown) => {
      // 404: ComfyUI's output folder no longer has it (cleaned up, or the server was reinstalled).
      if (err instanceof ComfyNotFoundError || (err as { status?: number }).status === 404) throw gone;
      throw err;
    });
    return {
      bytes: file.bytes,
      filename: output.filename,
      origin: { server: result.server, filename: output.filename, subfolder: output.subfolder, type: output.type },
    };
  }

  /**
   * A server went down: this shard's jobs on it go back to the HEAD of the bot's
   * queue (in the order they were sent there), to run next on another server, and
   * their users are told. With no other server up they stay where they are.
   */
  private failover(down: Backend): void {
    const rows = this.o.ledger
      .unfinished(this.shard)
      .filter((r) => r.server === down.url && isOnServer(r.state) && !this.posting.has(r.id));
    this.requeue(rows, 'server_down');
  }

  /** Puts jobs back at the head of the queue if another server can take them; returns whether it did. */
  private requeue(rows: JobRow[], why: 'server_down' | 'server_lost'): boolean {
    if (rows.length === 0) return false;
    const from = this.o.pool.byUrl(rows[0]!.server);
    if (!this.o.pool.backends.some((b) => b !== from && b.healthy)) return false;
    for (const row of rows) {
      this.live.delete(row.id);
      from?.client.untrack(row.promptId);
    }
    const released = this.queue.release(rows.map((r) => ({ id: r.id, promptId: randomUUID() })));
    for (const row of released) {
      this.emit('update', { kind: 'notice', job: row, notice: { code: why, data: { server: from?.name ?? '' } } });
    }
    this.o.log.warn('jobs back at the head of the queue', { jobs: released.map((r) => r.id), from: from?.name, why });
    void this.changed();
    return released.length > 0;
  }

  private async keepInputs(id: string, attachments: Record<string, Attachment>): Promise<JobRow['inputs']> {
    const inputs: JobRow['inputs'] = {};
    const entries = Object.entries(attachments);
    if (entries.length === 0) return inputs;
    const dir = join(this.o.dataDir, 'inputs', id);
    await mkdir(dir, { recursive: true });
    for (const [option, a] of entries) {
      const path = join(dir, `${option}-${safeName(a.filename)}`);
      await writeFile(path, a.bytes);
      inputs[option] = { path, filename: a.filename, ...(a.origin ? { origin: a.origin } : {}) };
    }
    return inputs;
  }

  /**
   * Images, videos and audio first, then masks (a mask names the image it belongs
   * to). Every kind goes through /upload/image: ComfyUI has no other upload route,
   * and that one takes any bytes.
   */
  private async uploadInputs(row: JobRow, backend: Backend): Promise<Record<string, UploadAnswer>> {
    const loaded = this.workflowOf(row);
    const uploads: Record<string, UploadAnswer> = {};
    const options = loaded?.manifest.options ?? [];
    const ordered = Object.entries(row.inputs).sort(([a], [b]) => maskLast(options, a) - maskLast(options, b));
    for (const [name, input] of ordered) {
      const option = options.find((o) => o.name === name);
      // An output of this same server: LoadImage reads it from the output folder ("name.png [output]").
      if (input.origin && input.origin.server === backend.url && option?.type !== 'mask') {
        uploads[name] = { name: input.origin.filename, subfolder: input.origin.subfolder, type: input.origin.type };
        continue;
      }
      const bytes = await readFile(input.path);
      const filename = `${row.id}-${safeName(input.filename)}`;
      if (option?.type === 'mask') {
        const image = option.image ? uploads[option.image] : undefined;
        if (!image) throw new UserError('job.mask_needs_image', { mask: name, image: option.image ?? 'image' });
        uploads[name] = await backend.client.http.uploadMask(
          bytes,
          filename,
          { filename: image.name, subfolder: image.subfolder, type: image.type },
          { subfolder: 'discord', overwrite: true },
        );
      } else {
        uploads[name] = await backend.client.http.uploadImage(bytes, filename, { subfolder: 'discord', overwrite: true });
      }
    }
    return uploads;
  }
}

function isOnServer(state: JobRow['state']): boolean {
  return (ON_SERVER_STATES as readonly string[]).includes(state);
}

function isTimeout(err: unknown): boolean {
  return err instanceof ComfyUnavailableError && err.reason === 'timeout';
}

/** The server did not take the request (down, restarting, a proxy's 5xx): another try may work. */
function isTransient(err: unknown): boolean {
  return err instanceof ComfyUnavailableError && (err.reason === 'unreachable' || err.reason === 'server_error');
}

/** Whether the server has the prompt (queued, running or done); undefined when it does not answer. */
async function promptKnown(backend: Backend, promptId: string): Promise<boolean | undefined> {
  try {
    const q = await backend.client.http.queue();
    if ([...q.running, ...q.pending].some((e) => e.promptId === promptId)) return true;
    return (await backend.client.http.historyOf(promptId)) !== undefined;
  } catch {
    return undefined;
  }
}

/** Why a job posted after its command was answered did not run, for its final message. */
function refusalResult(err: unknown): FinalResult {
  // ComfyUI refused the workflow: its own words, as for an error while running.
  if (err instanceof ComfyValidationError) {
    return { kind: 'error', nodeId: null, nodeType: null, exceptionType: err.error.type, message: err.lines().join('\n') };
  }
  // Otherwise it never got to a server: lost, with a Retry, and the refusal worded for the user.
  const reason: LostReason = { code: 'not_sent', data: { error: err instanceof Error ? err.message : String(err) } };
  if (err instanceof UserError) reason.cause = { code: err.code, data: err.data };
  return { kind: 'lost', reason };
}

/**
 * The checkpoint and LoRAs a filled workflow loads (model affinity): the first
 * `ckpt_name` of its nodes, and every `lora_name`.
 */
export function modelsOf(workflow: ApiWorkflow): ModelKey {
  let checkpoint: string | null = null;
  const loras: string[] = [];
  for (const node of Object.values(workflow)) {
    const inputs = node.inputs;
    if (checkpoint === null && typeof inputs['ckpt_name'] === 'string') checkpoint = inputs['ckpt_name'];
    if (typeof inputs['lora_name'] === 'string') loras.push(inputs['lora_name']);
  }
  return { checkpoint, loras: loras.sort() };
}
function maskLast(options: LoadedWorkflow['manifest']['options'], name: string): number {
  return options.find((o) => o.name === name)?.type === 'mask' ? 1 : 0;
}

function placeholderUploads(attachments: Record<string, Attachment>): Record<string, UploadAnswer> {
  return Object.fromEntries(
    Object.entries(attachments).map(([k, a]) => [k, { name: a.filename, subfolder: '', type: 'input' as const }]),
  );
}

/**
 * Models the job needs, so it goes only to a server that has them: those its
 * choice options name, and those fixed in the workflow (a video model no option changes).
 */
export function modelNeeds(loaded: LoadedWorkflow, values: Record<string, unknown>): ModelNeed[] {
  const needs: ModelNeed[] = fixedModelNeeds(loaded.workflow, loaded.manifest);
  for (const option of loaded.manifest.options) {
    const value = values[option.name];
    if (option.type !== 'choice' || typeof value !== 'string' || !option.choices) continue;
    if (option.choices.from === 'models') needs.push({ folder: option.choices.folder, name: value });
  }
  return needs;
}

/** Stored params without attachment options (image, mask, video, audio): those are uploaded anew for every send. */
function valuesOf(loaded: LoadedWorkflow, params: Record<string, unknown>): Record<string, unknown> {
  const known = new Map(loaded.manifest.options.map((o) => [o.name, o]));
  return Object.fromEntries(
    Object.entries(params).filter(([k]) => {
      const o = known.get(k);
      return o && !isUploadOption(o);
    }),
  );
}

function currentValue(loaded: LoadedWorkflow, option: LoadedWorkflow['manifest']['options'][number]): unknown {
  const t = option.targets[0];
  return t ? findNode(loaded.workflow, t.node).node.inputs[t.input] : undefined;
}

/** The options a seed is set by: dropped for a re-roll so a new seed is drawn. */
function withoutSeeds(loaded: LoadedWorkflow | undefined, params: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...params };
  for (const o of loaded?.manifest.options ?? []) {
    if (o.targets.some((t) => t.input === 'seed' || t.input === 'noise_seed')) delete copy[o.name];
  }
  return copy;
}

/** Outputs of the manifest's output nodes (ids or titles); an empty list posts every output. */
function postedOutputs(loaded: LoadedWorkflow | undefined, outputs: ResultOutput[]): ResultOutput[] {
  const wanted = loaded?.manifest.outputs ?? [];
  if (wanted.length === 0 || !loaded) return outputs;
  // Manifests are checked against their workflow at load, so every entry names a node.
  const ids = new Set(wanted.map((ref) => findNode(loaded.workflow, ref).id));
  return outputs.filter((o) => ids.has(o.nodeId));
}

function toFinal(row: JobRow, r: JobResult, cancelledBy: string | null, lost: LostReason): FinalResult {
  switch (r.status) {
    case 'success':
      return {
        kind: 'success',
        outputs: r.outputs.map((o) => ({ ...o })),
        server: row.server,
        seeds: row.seeds,
        cached: r.cached,
        durationMs: Date.now() - (row.startedAt ?? row.createdAt),
      };
    case 'error':
      return { kind: 'error', nodeId: r.nodeId ?? null, nodeType: r.nodeType ?? null, exceptionType: r.exceptionType, message: r.message };
    case 'interrupted':
      return { kind: 'cancelled', by: cancelledBy, wasPending: r.wasPending };
    case 'lost':
      return { kind: 'lost', reason: lost };
  }
}

/**
 * What a refused job's row keeps: the refusal's code and data, the option problems,
 * or (ComfyUI refusing the workflow, or a fault of ours) the error's own text.
 */
function refusalRecord(err: unknown): Refusal {
  if (err instanceof UserError) return { kind: 'rejected', code: err.code, data: err.data };
  if (err instanceof OptionValueError) return { kind: 'rejected', problems: err.problems };
  return { kind: 'rejected', message: (err as Error).message };
}

function shortId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(-80) || 'file';
}
