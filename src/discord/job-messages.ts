// Keeps each job's Discord message in step with the job: live progress while it
// runs, the final images when it ends. Reads where the message is from the
// ledger, so it works the same after a restart.
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DiscordAPIError, MessageFlags, Routes, type REST } from 'discord.js';
import type { BackendPool } from '../jobs/backends.ts';
import type { Delivery, JobRow } from '../jobs/ledger.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import type { FinalResult, JobService, JobUpdate } from '../jobs/service.ts';
import type { Logger } from '../log.ts';
import { translator, type Translator } from './i18n/index.ts';
import { jobContext } from './job-context.ts';
import { asSpoilers, CANCEL_EMOJI, finalView, liveView, type FinalOutputs, type JobContext, type LiveState, type MessagePayload } from './job-view.ts';
import { OutboxClosedError, type Outbox } from './outbox.ts';
import { RecentSet } from './recent-set.ts';
import { Semaphore } from './semaphore.ts';
import { messageRequest } from './message-request.ts';
import { fetchFinalOutputs, SAFE_UPLOAD_LIMIT, type Spool } from './results.ts';

export interface JobMessengerOptions {
  /** Requests with the bot's token. */
  rest: REST;
  /** Requests with an interaction token (edits of a command's reply), outside the global limit. */
  interactionRest: REST;
  service: JobService;
  pool: BackendPool;
  outbox: Outbox;
  log: Logger;
  /** Upload limit of a guild in bytes (depends on its boost tier), for jobs whose interaction did not say. */
  uploadLimit: (guildId: string | null) => number;
  /** Move to a channel message this long before the interaction token expires. */
  tokenMarginMs?: number;
  /** Where output images wait on disk until Discord has them; emptied at start (nothing in it survives a restart). */
  spoolDir: string;
  /** The language of jobs whose row has no locale (written before it was stored). */
  defaultLocale: string;
  /** The loaded workflows: a result's per-image actions come from its manifest. */
  workflows: Pick<Map<string, LoadedWorkflow>, 'get' | 'values'>;
}

/** A message of a result besides the job's own (see Delivery.more). */
type MoreMessage = NonNullable<Delivery['more']>[number];

/** Discord's error codes we act on. */
const UNKNOWN_MESSAGE = 10008;
const INVALID_WEBHOOK_TOKEN = 50027;
const UNKNOWN_WEBHOOK = 10015;
/** A user whose direct messages are closed to the bot (or who shares no server with it any more). */
const CANNOT_MESSAGE_USER = 50007;

/** Where a job's final message went. */
type Where = 'channel' | 'ephemeral' | 'dm' | 'nowhere';

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
  /** Private jobs whose ephemeral reply can no longer be edited: no more progress, the result goes by DM. */
  private readonly quiet = new RecentSet(1_000);
  /** The extra messages each result delivery under way has posted (follow-ups, a DM), recorded when it is done. */
  private readonly posted = new Map<string, MoreMessage[]>();
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

  /** The manifest's part of a job's message (per-image actions, Remix, the parent action's name). */
  private context(job: JobRow, tr: Translator): JobContext {
    return jobContext(job, this.o.workflows, tr);
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
    // An ephemeral reply takes no reactions; its Cancel button works.
    if (!messageId || job.delivery.private) return;
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
        if (u.node) {
          state.node = u.node;
          state.progressNode = u.node;
        }
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
    if (this.gone.has(job.id) || this.delivering.has(job.id) || this.quiet.has(job.id)) return;
    const state = this.live.get(job.id);
    if (!state) return;
    this.o.outbox
      .push(
        job.id,
        'progress',
        async () => {
          const current = this.o.service.ledger.get(job.id) ?? job;
          if (current.state === 'finished' || current.state === 'delivered') return;
          const tr = this.tr(current);
          await this.edit(current, liveView(current, state, tr, Date.now(), this.context(current, tr)));
        },
        { global: !viaInteraction(job), intervalMs: editIntervalFor(state) },
      )
      .catch((err: unknown) => {
        if (!(err instanceof OutboxClosedError)) this.o.log.warn('progress edit failed', { jobId: job.id, error: err });
      });
  }

  /**
   * Shows a finished job again (/show) as the reply of another interaction: its
   * final message made anew, the images fetched again from ComfyUI's output
   * folder as the delivery does, the same buttons (they act on the same job).
   * Nobody is pinged. 'gone' (nothing posted): ComfyUI no longer has any of its images.
   */
  async showAgain(
    job: JobRow,
    reply: { applicationId: string; token: string; channelId: string; ephemeral?: boolean },
    header: string,
    /** The language of the one who asked (the message is theirs now). */
    tr: Translator,
  ): Promise<'shown' | 'gone'> {
    const result = job.result;
    if (!result || result.kind === 'rejected') return 'gone';
    const spool: Spool = { prefix: join(this.o.spoolDir, `show-${job.id}-${randomUUID().slice(0, 8)}`), written: [] };
    try {
      let outputs: FinalOutputs | undefined;
      let shownResult: FinalResult = result;
      if (result.kind === 'success') {
        const http = this.o.pool.byUrl(result.server)?.client.http;
        const { delivered, ...fetched } = await this.deliveries.run(() => fetchFinalOutputs(http, result, this.uploadLimitOf(job), spool, job.id));
        const files = result.outputs.filter((o) => o.kind !== 'text');
        if (files.length > 0 && fetched.files.length === 0 && fetched.overflow.length === 0 && fetched.missing === files.length) return 'gone';
        shownResult = delivered;
        // Shown again as it was first: a spoiler stays one.
        outputs = job.delivery.spoiler ? asSpoilers(fetched) : fetched;
      }
      const payload = finalView(job, shownResult, tr, outputs, this.context(job, tr));
      const shown = { ...payload, content: `${header}\n${payload.content}` };
      const route = Routes.webhookMessage(reply.applicationId, reply.token, '@original');
      await this.o.interactionRest.patch(route, { ...(await messageRequest(shown)), auth: false });
      for (const [i, batch] of (outputs?.overflow ?? []).entries()) {
        const more = { content: '', embeds: [], components: [], files: batch };
        if (reply.ephemeral) {
          await this.o.interactionRest.post(Routes.webhook(reply.applicationId, reply.token), {
            ...(await messageRequest(more, undefined, MessageFlags.Ephemeral)),
            auth: false,
          });
          continue;
        }
        await this.o.outbox.push(`show:${reply.token.slice(-12)}:${i}`, 'final', async () => {
          await this.postInChannel(reply.channelId, more);
        });
      }
      return 'shown';
    } finally {
      await Promise.all(spool.written.map((file) => unlink(file).catch(() => {})));
    }
  }

  /**
   * 🗑️ Delete: removes every message of a finished job's result — its message (the
   * command's reply, or the channel message that took over), the follow-ups with the
   * files that did not fit, a DM — and `pressedOn` (a /show re-post). A message already
   * gone counts as deleted. 'some': one could not be (a private reply whose token expired).
   */
  async deleteResult(stale: JobRow, pressedOn?: MoreMessage): Promise<'all' | 'some'> {
    const job = this.o.service.ledger.get(stale.id) ?? stale;
    const d = job.delivery;
    const tokenValid = Boolean(d.interactionToken) && (d.tokenExpiresAt ?? 0) > Date.now();
    const targets: MoreMessage[] = [];
    if (d.messageId) targets.push({ channelId: d.channelId, messageId: d.messageId, ...(d.private ? { webhook: true } : {}) });
    if (d.channelMessageId) targets.push({ channelId: d.channelId, messageId: d.channelMessageId });
    targets.push(...(d.more ?? []));
    if (pressedOn && !targets.some((t) => t.messageId === pressedOn.messageId)) targets.push(pressedOn);
    let all = true;
    for (const t of targets) {
      try {
        if (t.webhook) {
          // Ephemeral messages exist for their interaction's token alone.
          if (!tokenValid || !d.interactionToken) {
            all = false;
            continue;
          }
          const which = t.messageId === d.messageId ? '@original' : t.messageId;
          await this.o.interactionRest.delete(Routes.webhookMessage(d.applicationId, d.interactionToken, which), { auth: false });
        } else {
          await this.o.rest.delete(Routes.channelMessage(t.channelId, t.messageId));
        }
      } catch (err) {
        if (isCode(err, UNKNOWN_MESSAGE) || isStatus(err, 404)) continue;
        all = false;
        this.o.log.warn('could not delete a result message', { jobId: job.id, messageId: t.messageId, error: err });
      }
    }
    this.o.log.info('result messages deleted', { jobId: job.id, messages: targets.length, all });
    return all ? 'all' : 'some';
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
      // Few deliveries at once: each has its files on disk and uploads them until Discord has them.
      const delivered = await this.deliveries.run(() => this.sendResult(job, result, spool, log));
      this.o.service.markDelivered(job.id, delivered);
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

  /**
   * Fetches the outputs and sends the final message. Discord refusing a file as too
   * large (413, code 40005) is no failed delivery: the files are sorted again for the
   * limit every bot has, then the message goes without them and names each.
   * Resolves with the result as delivered (which files were posted).
   */
  private async sendResult(job: JobRow, result: FinalResult, spool: Spool, log: Logger): Promise<FinalResult> {
    let limit = this.uploadLimitOf(job);
    let refused = false;
    for (;;) {
      let outputs: FinalOutputs | undefined;
      let delivered = result;
      if (result.kind === 'success') {
        const http = this.o.pool.byUrl(result.server)?.client.http;
        const { delivered: withFiles, ...fetched } = await fetchFinalOutputs(http, result, limit, spool, job.id, refused);
        delivered = withFiles;
        outputs = job.delivery.spoiler ? asSpoilers(fetched) : fetched;
      }
      const tr = this.tr(job);
      const payload = finalView(job, delivered, tr, outputs, this.context(job, tr));
      const overflow = outputs?.overflow ?? [];
      try {
        await this.o.outbox.push(
          job.id,
          'final',
          async () => {
            const current = this.o.service.ledger.get(job.id) ?? job;
            const posted: MoreMessage[] = [];
            this.posted.set(job.id, posted);
            const where = await this.sendFinal(current, payload);
            for (const batch of overflow) {
              const more = { content: '', embeds: [], components: [], files: batch };
              await this.postMore(current, where, more).catch(async (err: unknown) => {
                if (!isTooLarge(err)) throw err;
                const names = batch.map((f) => f.name).join(', ');
                await this.postMore(current, where, {
                  content: `ℹ️ ${tr.t('note.overflow_refused', { names, job: job.id })}`,
                  embeds: [],
                  components: [],
                  files: [],
                });
              });
            }
            this.posted.delete(job.id);
            // 🗑️ Delete removes these too.
            if (posted.length > 0) {
              const latest = this.o.service.ledger.get(job.id) ?? current;
              this.o.service.updateDelivery(job.id, { ...latest.delivery, more: [...(latest.delivery.more ?? []), ...posted] });
            }
          },
          { global: !viaInteraction(job) || overflow.length > 0 },
        );
      } catch (err) {
        if (!isTooLarge(err) || !outputs || outputs.files.length === 0 || refused) throw err;
        // First the limit every bot has; if Discord refuses even that, the message goes without files.
        if (limit > SAFE_UPLOAD_LIMIT) limit = SAFE_UPLOAD_LIMIT;
        else refused = true;
        log.warn('Discord refused the files as too large; sorting them again', { limit, refused });
        continue;
      }
      log.info('result delivered', { outcome: result.kind, files: outputs?.files.length ?? 0 });
      return delivered;
    }
  }

  /** The limit Discord gave the job's interaction, else the guild's by its boost tier. */
  private uploadLimitOf(job: JobRow): number {
    return job.delivery.uploadLimit ?? this.o.uploadLimit(job.delivery.guildId);
  }

  /** More of a result after its first message, where that message went ('nowhere': kept for /show). */
  private async postMore(job: JobRow, where: Where, more: MessagePayload): Promise<void> {
    if (where === 'dm') await this.postInDm(job, more);
    else if (where === 'ephemeral') await this.followUpPrivately(job, more);
    else if (where === 'channel') {
      const message = await this.postInChannel(job.delivery.channelId, more);
      this.posted.get(job.id)?.push({ channelId: job.delivery.channelId, messageId: message.id });
    }
  }

  /**
   * Writes the final message; says where it went, for the files that follow it
   * ('nowhere': a private result whose owner cannot get a DM was kept for /show).
   */
  private async sendFinal(job: JobRow, payload: MessagePayload): Promise<Where> {
    try {
      return await this.edit(job, payload, { final: true });
    } catch (err) {
      // A dismissed ephemeral reply is gone too: the private result goes by DM, never into the channel.
      if (this.gone.has(job.id) && job.delivery.private) return this.deliverPrivately(job, payload);
      if (this.gone.has(job.id)) {
        // A moderator deleted the job's message: the result still reaches its owner, in a new message.
        const posted = await this.postInChannel(
          job.delivery.channelId,
          { ...payload, content: `${payload.content}\n${this.tr(job).t('note.original_deleted')}` },
          job,
        );
        this.o.service.updateDelivery(job.id, { ...job.delivery, channelMessageId: posted.id });
        return 'channel';
      }
      throw err;
    }
  }

  /**
   * Edits the job's message wherever it lives: the interaction reply while its
   * token is valid, a channel message after.
   */
  private async edit(job: JobRow, payload: MessagePayload, options: { final?: boolean } = {}): Promise<Where> {
    const d = job.delivery;
    if (d.private && !d.channelMessageId) return this.editPrivate(job, payload, options.final ?? false);
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
      return 'channel';
    } catch (err) {
      if (isTokenGone(err)) {
        this.o.log.info('interaction token expired; continuing in a channel message', { jobId: job.id });
        await this.moveToChannel(job, payload);
        return 'channel';
      }
      if (isCode(err, UNKNOWN_MESSAGE) || isStatus(err, 404)) {
        this.gone.add(job.id);
        this.o.log.warn('the job message was deleted', { jobId: job.id });
      }
      throw err;
    }
  }

  /**
   * A private job's ephemeral reply, which only its interaction token can edit.
   * Once the token is gone, progress stops and the result goes by direct message.
   */
  private async editPrivate(job: JobRow, payload: MessagePayload, final: boolean): Promise<'ephemeral' | 'dm' | 'nowhere'> {
    const d = job.delivery;
    // Once its reply said the result comes by DM (or could not be edited any more), it does.
    if (this.quiet.has(job.id)) return final ? this.deliverPrivately(job, payload) : 'nowhere';
    if (d.interactionToken && (d.tokenExpiresAt ?? 0) > Date.now()) {
      try {
        await this.o.interactionRest.patch(Routes.webhookMessage(d.applicationId, d.interactionToken, '@original'), {
          ...(await messageRequest(payload, job.userId)),
          auth: false,
        });
        return 'ephemeral';
      } catch (err) {
        if (isCode(err, UNKNOWN_MESSAGE) || isStatus(err, 404)) {
          // The user dismissed the ephemeral reply.
          this.gone.add(job.id);
          this.o.log.info('the private job message was dismissed', { jobId: job.id });
        } else if (!isTokenGone(err)) {
          throw err;
        }
      }
    }
    this.quiet.add(job.id);
    return final ? this.deliverPrivately(job, payload) : 'nowhere';
  }

  /**
   * A private result that cannot be shown in its ephemeral reply: sent to its owner
   * by DM. With their DMs closed it stays in the ledger, and they are told in the
   * channel (no prompt, no picture) how to see it with /show, which answers them alone.
   */
  private async deliverPrivately(job: JobRow, payload: MessagePayload): Promise<'dm' | 'nowhere'> {
    try {
      await this.postInDm(job, payload);
      this.o.log.info('private result sent by direct message', { jobId: job.id });
      return 'dm';
    } catch (err) {
      if (!isCode(err, CANNOT_MESSAGE_USER) && !isStatus(err, 403)) throw err;
      this.o.log.info('private result kept: the user does not take direct messages', { jobId: job.id });
      const content = this.tr(job).t('private.dm_closed', { user: job.userId, job: job.id });
      const note = await this.postInChannel(job.delivery.channelId, { content, embeds: [], components: [], files: [] }, job);
      this.posted.get(job.id)?.push({ channelId: job.delivery.channelId, messageId: note.id });
      return 'nowhere';
    }
  }

  private async postInDm(job: JobRow, payload: MessagePayload): Promise<void> {
    const channel = (await this.o.rest.post(Routes.userChannels(), { body: { recipient_id: job.userId } })) as { id: string };
    const message = await this.postInChannel(channel.id, payload, job);
    this.posted.get(job.id)?.push({ channelId: channel.id, messageId: message.id });
  }

  /** More images of a private result: an ephemeral follow-up of the same interaction. */
  private async followUpPrivately(job: JobRow, payload: MessagePayload): Promise<void> {
    const d = job.delivery;
    if (!d.interactionToken) return this.postInDm(job, payload);
    try {
      const message = (await this.o.interactionRest.post(Routes.webhook(d.applicationId, d.interactionToken), {
        ...(await messageRequest(payload, job.userId, MessageFlags.Ephemeral)),
        query: new URLSearchParams({ wait: 'true' }),
        auth: false,
      })) as { id?: string } | undefined;
      if (message?.id) this.posted.get(job.id)?.push({ channelId: d.channelId, messageId: message.id, webhook: true });
    } catch (err) {
      if (!isTokenGone(err)) throw err;
      await this.postInDm(job, payload);
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
      // A private job stays in its ephemeral reply, which says where the result will come; then it goes quiet.
      const move = current.delivery.private
        ? async () => {
            const tr = this.tr(current);
            const notice = { code: 'private.continues_in_dm' as const, data: {} };
            await this.editPrivate(current, liveView(current, { ...state, notice }, tr, Date.now(), this.context(current, tr)), false);
            this.quiet.add(current.id);
          }
        : () => this.moveToChannel(current, liveView(current, state, this.tr(current), Date.now(), this.context(current, this.tr(current))));
      void this.o.outbox
        .push(job.id, 'final', move)
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

/** Discord's answers to an interaction token that is no longer valid. */
function isTokenGone(err: unknown): boolean {
  return isCode(err, INVALID_WEBHOOK_TOKEN) || isCode(err, UNKNOWN_WEBHOOK) || isStatus(err, 401);
}

function isCode(err: unknown, code: number): boolean {
  return err instanceof DiscordAPIError && err.code === code;
}

function isStatus(err: unknown, status: number): boolean {
  return (err as { status?: number }).status === status;
}

/** Discord's "Request entity too large": HTTP 413, code 40005. */
function isTooLarge(err: unknown): boolean {
  return isStatus(err, 413) || isCode(err, 40005);
}
