// Keeps each job's Discord message in step with the job: live progress while it
// runs, the final images when it ends. Reads where the message is from the
// ledger, so it works the same after a restart.
import { mkdirSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DiscordAPIError, Routes, type REST } from 'discord.js';
import type { BackendPool } from '../jobs/backends.ts';
import type { Delivery, JobRow } from '../jobs/ledger.ts';
import type { FinalResult, JobService, JobUpdate } from '../jobs/service.ts';
import type { Logger } from '../log.ts';
import { asSpoilers, CANCEL_EMOJI, finalView, liveView, type FinalImages, type LiveState, type MessagePayload } from './job-view.ts';
import { OutboxClosedError, type Outbox } from './outbox.ts';
import { RecentSet } from './recent-set.ts';
import { Semaphore } from './semaphore.ts';
import { messageRequest } from './message-request.ts';
import { fetchFinalImages, type Spool } from './results.ts';
import { translator, type Translator } from './i18n/index.ts';

export interface JobMessengerOptions {
  /** Requests with the bot's token. */
  rest: REST;
  /** Requests with an interaction token (edits of a command's reply), outside the global limit. */
  interactionRest: REST;
  service: JobService;
  pool: BackendPool;
  outbox: Outbox;
  log: Logger;
  /** Upload limit of a guild in bytes (depends on its boost tier). */
  uploadLimit: (guildId: string | null) => number;
  /** Move to a channel message this long before the interaction token expires. */
  tokenMarginMs?: number;
  /** Where output images wait on disk until Discord has them; emptied at start (nothing in it survives a restart). */
  spoolDir: string;
  /** The language of jobs whose row has no locale (written before it was stored). */
  defaultLocale: string;
}

/** Discord's error codes we act on. */
const UNKNOWN_MESSAGE = 10008;
const INVALID_WEBHOOK_TOKEN = 50027;
const UNKNOWN_WEBHOOK = 10015;

export class JobMessenger {
  private readonly live = new Map<string, LiveState>();
  private readonly gone = new RecentSet(1_000);
  private readonly moveTimers = new Map<string, NodeJS.Timeout>();
  private readonly delivering = new Set<string>();
  /** Moves to a channel message under way, by job id. */
  private readonly moves = new Map<string, Promise<void>>();
  private readonly deliveries = new Semaphore(8);
  /** Jobs whose result was delivered: a late event about them must not bring their progress back. */
  private readonly done = new RecentSet(1_000);
  private readonly tick: NodeJS.Timeout;

  constructor(private readonly o: JobMessengerOptions) {
    rmSync(o.spoolDir, { recursive: true, force: true });
    mkdirSync(o.spoolDir, { recursive: true });
    o.service.on('update', (u) => this.onUpdate(u));
    // Elapsed time should move even when ComfyUI is quiet (e.g. loading a model).
    this.tick = setInterval(() => this.refreshRunning(), 10_000);
    this.tick.unref();
  }

  /** The requester's language, stored with the job when it started. */
  private tr(job: JobRow): Translator {
    return translator(job.delivery.locale ?? this.o.defaultLocale);
  }

  close(): void {
    clearInterval(this.tick);
    for (const t of this.moveTimers.values()) clearTimeout(t);
  }

  /** Shows a new job's first state (called right after it was queued). */
  track(job: JobRow): void {
    if (!this.live.has(job.id)) this.live.set(job.id, { phase: job.state === 'running' ? 'running' : job.state === 'waiting' ? 'waiting' : 'queued' });
    this.scheduleMove(job);
    this.render(job);
    this.addCancelReaction(job);
  }

  /** A ❌ ready to click; it counts against the same request budget as the edits. */
  private addCancelReaction(job: JobRow): void {
    const { channelId, messageId } = job.delivery;
    if (!messageId) return;
    void this.o.outbox
      .push(`${job.id}:react`, 'progress', async () => {
        await this.o.rest.put(Routes.channelMessageOwnReaction(channelId, messageId, encodeURIComponent(CANCEL_EMOJI)));
      })
      // Without the Add Reactions permission people can still add ❌ themselves.
      .catch((err: unknown) => this.o.log.debug('could not add the cancel reaction', { jobId: job.id, error: err }));
  }

  private onUpdate(u: JobUpdate): void {
    const job = u.job;
    if (this.done.has(job.id)) return;
    if (u.kind === 'finished') {
      void this.deliver(job, u.result);
      return;
    }
    const state = this.live.get(job.id) ?? { phase: 'queued' };
    this.live.set(job.id, state);
    this.scheduleMove(job);
    switch (u.kind) {
      case 'waiting':
        state.phase = 'waiting';
        state.position = u.position;
        state.total = u.total;
        state.paused = u.paused;
        break;
      case 'queued':
        state.phase = 'queued';
        state.position = u.position;
        state.total = u.total;
        state.paused = false;
        break;
      case 'started':
        state.phase = 'running';
        state.startedAt ??= Date.now();
        break;
      case 'executing':
        state.phase = 'running';
        state.node = u.node;
        break;
      case 'progress':
        state.phase = 'running';
        state.value = u.value;
        state.max = u.max;
        if (u.node) state.node = u.node;
        break;
      case 'preview':
        state.preview = { image: u.image, mime: u.mime };
        break;
      case 'notice':
        state.notice = u.notice;
        break;
    }
    this.render(job);
  }

  private refreshRunning(): void {
    for (const [id, state] of this.live) {
      if (state.phase !== 'running') continue;
      const job = this.o.service.ledger.get(id);
      if (job) this.render(job);
    }
  }

  private render(job: JobRow): void {
    if (this.gone.has(job.id) || this.delivering.has(job.id)) return;
    const state = this.live.get(job.id);
    if (!state) return;
    this.o.outbox
      .push(
        job.id,
        'progress',
        async () => {
          const current = this.o.service.ledger.get(job.id) ?? job;
          if (current.state === 'finished' || current.state === 'delivered') return;
          await this.edit(current, liveView(current, state, this.tr(current)));
        },
        { global: !viaInteraction(job), intervalMs: editIntervalFor(state) },
      )
      .catch((err: unknown) => {
        if (!(err instanceof OutboxClosedError)) this.o.log.warn('progress edit failed', { jobId: job.id, error: err });
      });
  }

  /** Posts the final message once; a failure leaves the job undelivered so a restart tries again. */
  private async deliver(job: JobRow, result: FinalResult): Promise<void> {
    if (this.delivering.has(job.id)) return;
    this.delivering.add(job.id);
    this.live.delete(job.id);
    clearTimeout(this.moveTimers.get(job.id));
    this.moveTimers.delete(job.id);
    const log = this.o.log.child({ jobId: job.id, userId: job.userId, promptId: job.promptId });
    const spool: Spool = { prefix: join(this.o.spoolDir, job.id), written: [] };
    try {
      // Few deliveries at once: each has its images on disk and uploads them until Discord has them.
      await this.deliveries.run(async () => {
        let images: FinalImages | undefined;
        if (result.kind === 'success') {
          const http = this.o.pool.byUrl(result.server)?.client.http;
          images = await fetchFinalImages(http, result.images, this.o.uploadLimit(job.delivery.guildId), spool);
          if (job.delivery.spoiler) images = asSpoilers(images);
        }
        const payload = finalView(job, result, this.tr(job), images);
        const overflow = images?.overflow ?? [];
        await this.o.outbox.push(
          job.id,
          'final',
          async () => {
            const current = this.o.service.ledger.get(job.id) ?? job;
            await this.sendFinal(current, payload);
            for (const batch of overflow) {
              await this.postInChannel(current.delivery.channelId, { content: '', embeds: [], components: [], files: batch });
            }
          },
          { global: !viaInteraction(job) || overflow.length > 0 },
        );
        log.info('result delivered', { outcome: result.kind, images: images?.files.length ?? 0 });
      });
      this.o.service.markDelivered(job.id);
      this.done.add(job.id);
      this.o.outbox.drop(job.id);
      this.o.outbox.drop(`${job.id}:react`);
    } catch (err) {
      if (err instanceof OutboxClosedError) log.info('stopping before the result was sent; it is sent at the next start');
      else log.error('could not deliver the result', { error: err });
    } finally {
      this.delivering.delete(job.id);
      // unlink, not rm: one system call (rm looks at the path first); a file never written is no error.
      await Promise.all(spool.written.map((file) => unlink(file).catch(() => {})));
    }
  }

  private async sendFinal(job: JobRow, payload: MessagePayload): Promise<void> {
    try {
      await this.edit(job, payload);
    } catch (err) {
      if (isStatus(err, 413) && payload.files.length > 0) {
        await this.edit(job, {
          ...payload,
          files: [],
          embeds: payload.embeds.map(({ image: _image, ...e }) => e),
          content: `${payload.content}\nℹ️ ${this.tr(job).t('note.too_large_for_server')}`,
        });
        return;
      }
      if (this.gone.has(job.id)) {
        // A moderator deleted the job's message: the result still reaches its owner, in a new message.
        const posted = await this.postInChannel(
          job.delivery.channelId,
          { ...payload, content: `${payload.content}\n${this.tr(job).t('note.original_deleted')}` },
          job,
        );
        this.o.service.updateDelivery(job.id, { ...job.delivery, channelMessageId: posted.id });
        return;
      }
      throw err;
    }
  }

  /**
   * Edits the job's message wherever it lives: the interaction reply while its
   * token is valid, a channel message after.
   */
  private async edit(job: JobRow, payload: MessagePayload): Promise<void> {
    const d = job.delivery;
    try {
      if (d.channelMessageId) {
        await this.o.rest.patch(Routes.channelMessage(d.channelId, d.channelMessageId), await messageRequest(payload, job.userId));
      } else if (d.interactionToken && (d.tokenExpiresAt ?? 0) > Date.now()) {
        await this.o.interactionRest.patch(Routes.webhookMessage(d.applicationId, d.interactionToken, '@original'), {
          ...(await messageRequest(payload, job.userId)),
          auth: false,
        });
      } else {
        await this.moveToChannel(job, payload);
      }
    } catch (err) {
      if (isCode(err, INVALID_WEBHOOK_TOKEN) || isCode(err, UNKNOWN_WEBHOOK) || isStatus(err, 401)) {
        this.o.log.info('interaction token expired; continuing in a channel message', { jobId: job.id });
        await this.moveToChannel(job, payload);
        return;
      }
      if (isCode(err, UNKNOWN_MESSAGE) || isStatus(err, 404)) {
        this.gone.add(job.id);
        this.o.log.warn('the job message was deleted', { jobId: job.id });
      }
      throw err;
    }
  }

  /**
   * Creates the channel message that carries the job from now on and records it —
   * once: an edit that still held the row from before the move (and met the expired
   * token) edits the message the move made instead of making a second one.
   */
  private async moveToChannel(stale: JobRow, payload: MessagePayload): Promise<void> {
    const underway = this.moves.get(stale.id);
    if (underway) await underway.catch(() => {});
    const job = this.o.service.ledger.get(stale.id) ?? stale;
    if (job.delivery.channelMessageId) {
      await this.o.rest.patch(Routes.channelMessage(job.delivery.channelId, job.delivery.channelMessageId), await messageRequest(payload, job.userId));
      return;
    }
    const move = this.postAndRecord(job, payload);
    this.moves.set(job.id, move);
    try {
      await move;
    } finally {
      if (this.moves.get(job.id) === move) this.moves.delete(job.id);
    }
  }

  private async postAndRecord(job: JobRow, payload: MessagePayload): Promise<void> {
    const message = await this.postInChannel(job.delivery.channelId, payload, job);
    const delivery: Delivery = { ...job.delivery, channelMessageId: message.id };
    this.o.service.updateDelivery(job.id, delivery);
    const d = job.delivery;
    if (d.interactionToken && (d.tokenExpiresAt ?? 0) > Date.now()) {
      const link = `https://discord.com/channels/${d.guildId ?? '@me'}/${d.channelId}/${message.id}`;
      await this.o.interactionRest
        .patch(Routes.webhookMessage(d.applicationId, d.interactionToken, '@original'), {
          body: { content: this.tr(job).t('job.continues', { link }), embeds: [], components: [], attachments: [] },
          auth: false,
        })
        .catch(() => {});
    }
  }

  private async postInChannel(channelId: string, payload: MessagePayload, job?: JobRow): Promise<{ id: string }> {
    return (await this.o.rest.post(Routes.channelMessages(channelId), await messageRequest(payload, job?.userId))) as { id: string };
  }

  /** Interaction tokens die 15 minutes after the command: move long jobs before that. */
  private scheduleMove(job: JobRow): void {
    const d = job.delivery;
    if (this.moveTimers.has(job.id) || d.channelMessageId || !d.interactionToken || !d.tokenExpiresAt) return;
    const margin = this.o.tokenMarginMs ?? 60_000;
    const timer = setTimeout(() => {
      this.moveTimers.delete(job.id);
      const current = this.o.service.ledger.get(job.id);
      const state = this.live.get(job.id);
      if (!current || current.state === 'finished' || current.state === 'delivered' || !state) return;
      void this.o.outbox
        .push(job.id, 'final', () => this.moveToChannel(current, liveView(current, state, this.tr(current))))
        .catch((err: unknown) => {
          if (!(err instanceof OutboxClosedError)) this.o.log.warn('could not move the job to a channel message', { jobId: job.id, error: err });
        });
    }, Math.max(0, d.tokenExpiresAt - margin - Date.now()));
    timer.unref();
    this.moveTimers.set(job.id, timer);
  }
}

/** Beyond this place in the queue a job's message is edited less often. */
const NEAR_FRONT = 3;
const FAR_IN_QUEUE_INTERVAL_MS = 5_000;

/**
 * How long a job's message waits between two progress edits at least (on top of the
 * outbox's own interval): a job far back in a long queue changes place with every job
 * that finishes, and editing every waiting message that often would be most of the
 * bot's requests and CPU while telling its owner little.
 */
export function editIntervalFor(state: LiveState): number {
  return state.phase !== 'running' && (state.position ?? 0) > NEAR_FRONT ? FAR_IN_QUEUE_INTERVAL_MS : 0;
}

/** The job's message is still edited with the interaction token (not bound to the global rate limit). */
function viaInteraction(job: JobRow): boolean {
  const d = job.delivery;
  return !d.channelMessageId && Boolean(d.interactionToken) && (d.tokenExpiresAt ?? 0) > Date.now() + 5_000;
}

function isCode(err: unknown, code: number): boolean {
  return err instanceof DiscordAPIError && err.code === code;
}

function isStatus(err: unknown, status: number): boolean {
  return (err as { status?: number }).status === status;
}
