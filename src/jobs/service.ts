// Jobs as the bot sees them: accepted, recorded, submitted to a server, followed
// to the end, and re-attached after any restart. Knows nothing of Discord.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ComfyUnavailableError, type Job, type JobResult, TypedEmitter, type UploadAnswer } from '../comfy/index.ts';
import type { Logger } from '../log.ts';
import { applyOptions } from '../workflows/apply.ts';
import { findNode } from '../workflows/edit.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import { type Backend, type BackendPool, type ModelNeed } from './backends.ts';
import type { Delivery, JobRow, Ledger, Outcome } from './ledger.ts';
import { checkLimits, type Limits } from './limits.ts';
import { UserError } from './user-error.ts';

export interface Attachment {
  bytes: Buffer;
  filename: string;
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
  /** Seeds to reuse (a retry reruns the same image). */
  seeds?: Record<string, number>;
}

export interface OutputFile {
  filename: string;
  subfolder: string;
  type: 'input' | 'output' | 'temp';
  nodeId: string;
}

/** What the final message is made of; stored in the ledger so it survives restarts. */
export type FinalResult =
  | { kind: 'success'; images: OutputFile[]; server: string; seeds: Record<string, number>; cached: boolean; durationMs: number }
  | { kind: 'error'; nodeId: string | null; nodeType: string | null; exceptionType: string; message: string }
  | { kind: 'cancelled'; by: string | null; wasPending: boolean }
  | { kind: 'lost'; reason: string };

export type JobUpdate =
  | { kind: 'queued'; job: JobRow; position: number; total: number }
  | { kind: 'started'; job: JobRow }
  | { kind: 'progress'; job: JobRow; value: number; max: number; node: string | undefined }
  | { kind: 'executing'; job: JobRow; node: string }
  | { kind: 'preview'; job: JobRow; image: Buffer; mime: string }
  | { kind: 'notice'; job: JobRow; text: string }
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

export interface JobServiceOptions {
  ledger: Ledger;
  pool: BackendPool;
  workflows: { get(name: string): LoadedWorkflow | undefined };
  dataDir: string;
  limits: Limits;
  log: Logger;
  shard?: number;
  /** Banned words: a text option containing one is refused before anything is sent. */
  bannedWords?: TextScreen;
}

export class JobService extends TypedEmitter<JobServiceEvents> {
  /**
   * Live ComfyUI jobs by our job id, each with its ledger row as this service last wrote it
   * (progress comes many times a second: no ledger read for each). A job moved to another
   * server gets a new entry.
   */
  private readonly live = new Map<string, { job: Job; row: JobRow | undefined }>();
  private readonly cancelledBy = new Map<string, string>();
  private readonly moving = new Set<string>();

  constructor(private readonly o: JobServiceOptions) {
    super();
    o.pool.on('down', (b) => void this.failover(b));
  }

  get ledger(): Ledger {
    return this.o.ledger;
  }

  /**
   * Accepts a job: checks limits and values, picks a server, uploads the
   * attachments, records the job and queues it. Throws UserError with a message
   * for the user (nothing recorded) or ComfyValidationError (recorded as rejected).
   */
  async submit(req: JobRequest): Promise<JobRow> {
    const loaded = this.o.workflows.get(req.workflow);
    if (!loaded) throw new UserError('workflow.unknown', { workflow: req.workflow });
    this.screen(req.workflow, req.values, req.userId);
    if (!req.exempt) checkLimits(this.o.ledger, req.userId, this.o.limits);
    // Validate the values before touching any server, so bad input costs nothing.
    applyOptions(loaded, req.values, { uploads: placeholderUploads(req.attachments) });
    const backend = await this.o.pool.pick(modelNeeds(loaded, req.values));
    const id = shortId();
    const inputs = await this.keepInputs(id, req.attachments);
    const row = this.o.ledger.insert({
      id,
      seeds: req.seeds ?? {},
      promptId: randomUUID(),
      server: backend.url,
      shard: req.shard,
      userId: req.userId,
      workflow: req.workflow,
      params: req.values,
      inputs,
      delivery: req.delivery,
    });
    const log = this.o.log.child({ jobId: id, userId: req.userId, promptId: row.promptId });
    let sent: JobRow;
    try {
      sent = await this.send(row, backend, loaded);
    } catch (err) {
      // The caller tells the user; the row stays as a record of the refusal.
      const rejected = this.write(id, {
        state: 'delivered',
        outcome: 'rejected',
        result: { kind: 'error', message: (err as Error).message },
        finishedAt: Date.now(),
      });
      log.warn('job refused', { error: err });
      if (rejected) this.emit('ended', rejected);
      throw err;
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

  /** Uploads the inputs to `backend`, fills the workflow and queues it under the row's prompt id. */
  private async send(row: JobRow, backend: Backend, loaded: LoadedWorkflow): Promise<JobRow> {
    const uploads = await this.uploadInputs(row, backend);
    const values = await this.withServerDefaults(loaded, backend, valuesOf(loaded, row.params));
    const applied = applyOptions(loaded, values, { uploads, seeds: row.seeds });
    // What ran is recorded (defaults and random seeds included), so the job can be shown, rerun and re-rolled.
    this.write(row.id, { server: backend.url, params: applied.params, seeds: applied.seeds });
    const job = await backend.client
      .submit(applied.workflow, {
        promptId: row.promptId,
        extraData: { bot: { job: row.id, user: row.userId } },
        onJob: (j) => this.follow(row.id, j),
      })
      .catch((err: unknown) => {
        // No answer is not a refusal: ComfyUI may have queued it. Follow the prompt id;
        // reconciling turns it into a result, or into "lost" with a Retry button.
        if (!(err instanceof ComfyUnavailableError) || err.reason !== 'timeout') throw err;
        this.o.log.warn('ComfyUI did not answer the submit in time; following the prompt anyway', { jobId: row.id, promptId: row.promptId });
        const tracked = backend.client.track(row.promptId, applied.workflow);
        this.follow(row.id, tracked);
        return tracked;
      });
    const updated = this.write(row.id, {
      state: job.finished ? 'finished' : job.phase === 'running' ? 'running' : 'queued',
    })!;
    this.o.log.info('job queued', { jobId: row.id, userId: row.userId, promptId: row.promptId, server: backend.name });
    return updated;
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
    return row;
  }

  /** Follows a ComfyUI job and turns its events into updates for the job's message. */
  private follow(id: string, job: Job): void {
    const entry = { job, row: this.o.ledger.get(id) };
    this.live.set(id, entry);
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
      void this.conclude(id, result);
    });
  }

  private async conclude(id: string, result: JobResult): Promise<void> {
    const row = this.o.ledger.get(id);
    if (!row || row.state === 'finished' || row.state === 'delivered') return;
    const log = this.o.log.child({ jobId: id, userId: row.userId, promptId: row.promptId });
    if (result.status === 'lost' && (await this.moveIfPossible(row, 'lost'))) return;
    const final = toFinal(row, result, this.cancelledBy.get(id) ?? null);
    if (final.kind === 'success') final.images = postedImages(this.o.workflows.get(row.workflow), final.images);
    this.cancelledBy.delete(id);
    this.finishAs(id, final);
    log.info('job finished', { outcome: final.kind, images: final.kind === 'success' ? final.images.length : 0 });
  }

  /** Records the end of a job and hands it to the Discord side for the final message. */
  private finishAs(id: string, final: FinalResult): void {
    const outcome: Outcome = final.kind;
    const done = this.write(id, { state: 'finished', outcome, result: final, finishedAt: Date.now() });
    if (!done) return;
    this.emit('ended', done);
    this.emit('update', { kind: 'finished', job: done, result: final });
  }

  /** The Discord side calls this once the user has the final message. */
  markDelivered(id: string): void {
    this.write(id, { state: 'delivered' });
  }

  /** Records a new message location (e.g. the job moved to a channel message before its token expired). */
  updateDelivery(id: string, delivery: Delivery): JobRow | undefined {
    return this.write(id, { delivery });
  }

  /**
   * Cancels a job: deleted if it waits, interrupted (by prompt id) if it runs.
   * Resolves with what happened; a job that already ended is left alone.
   */
  async cancel(id: string, byUserId: string): Promise<'cancelled' | 'already-finished' | 'unknown'> {
    const row = this.o.ledger.get(id);
    if (!row) return 'unknown';
    if (row.state === 'finished' || row.state === 'delivered') return 'already-finished';
    const job = this.live.get(id)?.job;
    if (!job) return 'already-finished';
    if (!this.cancelledBy.has(id)) this.cancelledBy.set(id, byUserId);
    const result = await job.cancel();
    return result.status === 'interrupted' ? 'cancelled' : 'already-finished';
  }

  /** Re-attaches every unfinished job of this shard after a start: nothing a user started is forgotten. */
  async resume(): Promise<number> {
    const rows = this.o.ledger.unfinished(this.o.shard ?? 0);
    for (const row of rows) {
      if (row.state === 'finished') {
        this.emit('update', { kind: 'finished', job: row, result: row.result as FinalResult });
        continue;
      }
      const backend = this.o.pool.byUrl(row.server);
      if (!backend) {
        await this.conclude(row.id, { status: 'lost', promptId: row.promptId, reason: 'its ComfyUI server is no longer configured' });
        continue;
      }
      const job = backend.client.track(row.promptId);
      this.follow(row.id, job);
    }
    if (rows.length) this.o.log.info('resumed unfinished jobs', { count: rows.length });
    return rows.length;
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

  /** Runs a job again with the same values (the retry button of a lost job). */
  async retry(id: string, userId: string, delivery: Delivery, shard: number, newSeed: boolean): Promise<JobRow> {
    const row = this.o.ledger.get(id);
    if (!row) throw new UserError('job.not_in_ledger');
    const attachments: Record<string, Attachment> = {};
    for (const [name, input] of Object.entries(row.inputs)) {
      attachments[name] = { bytes: await readFile(input.path), filename: input.filename };
    }
    const loadedForInputs = this.o.workflows.get(row.workflow);
    const needsUpload = loadedForInputs?.manifest.options.some((o) => o.type === 'image' && o.required && !attachments[o.name]);
    if (needsUpload) throw new UserError('job.input_gone');
    const loaded = this.o.workflows.get(row.workflow);
    if (!loaded) throw new UserError('workflow.not_installed', { workflow: row.workflow });
    const values = valuesOf(loaded, newSeed ? withoutSeeds(loaded, row.params) : row.params);
    return this.submit({ userId, workflow: row.workflow, values, attachments, delivery, shard, seeds: newSeed ? {} : row.seeds });
  }

  /** A server went down: its unfinished jobs go to another server, and their users are told. */
  private async failover(down: Backend): Promise<void> {
    const rows = this.o.ledger
      .unfinished(this.o.shard ?? 0)
      .filter((r) => r.server === down.url && r.state !== 'finished');
    for (const row of rows) await this.moveIfPossible(row, 'down');
  }

  private async moveIfPossible(row: JobRow, why: 'down' | 'lost'): Promise<boolean> {
    if (this.moving.has(row.id)) return true;
    const loaded = this.o.workflows.get(row.workflow);
    const from = this.o.pool.byUrl(row.server);
    const others = this.o.pool.backends.filter((b) => b !== from && b.healthy);
    if (!loaded || others.length === 0) return false;
    this.moving.add(row.id);
    let detached = false;
    try {
      const target = await this.o.pool.pick(modelNeeds(loaded, row.params), from ? [from] : []);
      detached = true;
      this.live.delete(row.id);
      if (from) from.client.untrack(row.promptId);
      const moved = this.write(row.id, { promptId: randomUUID(), server: target.url, attempts: row.attempts + 1 })!;
      const text =
        why === 'down'
          ? `The ComfyUI server ${from?.name ?? ''} went down; your job was moved to ${target.name}.`
          : `The ComfyUI server ${from?.name ?? ''} lost your job (it restarted); it was queued again on ${target.name}.`;
      this.emit('update', { kind: 'notice', job: moved, text });
      this.o.log.warn('job moved to another server', { jobId: row.id, from: from?.name, to: target.name, why });
      await this.send(moved, target, loaded);
      return true;
    } catch (err) {
      this.o.log.error('could not move job', { jobId: row.id, error: err });
      if (!detached) return false;
      // It left its old server and no new one took it: the user must hear of it, with a retry.
      this.finishAs(row.id, { kind: 'lost', reason: `it could not be moved to another ComfyUI server (${(err as Error).message})` });
      return true;
    } finally {
      this.moving.delete(row.id);
    }
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
      inputs[option] = { path, filename: a.filename };
    }
    return inputs;
  }

  /** Images first, then masks (a mask names the image it belongs to). */
  private async uploadInputs(row: JobRow, backend: Backend): Promise<Record<string, UploadAnswer>> {
    const loaded = this.o.workflows.get(row.workflow);
    const uploads: Record<string, UploadAnswer> = {};
    const options = loaded?.manifest.options ?? [];
    const ordered = Object.entries(row.inputs).sort(([a], [b]) => maskLast(options, a) - maskLast(options, b));
    for (const [name, input] of ordered) {
      const bytes = await readFile(input.path);
      const filename = `${row.id}-${safeName(input.filename)}`;
      const option = options.find((o) => o.name === name);
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

function maskLast(options: LoadedWorkflow['manifest']['options'], name: string): number {
  return options.find((o) => o.name === name)?.type === 'mask' ? 1 : 0;
}

function placeholderUploads(attachments: Record<string, Attachment>): Record<string, UploadAnswer> {
  return Object.fromEntries(
    Object.entries(attachments).map(([k, a]) => [k, { name: a.filename, subfolder: '', type: 'input' as const }]),
  );
}

/** Models the job's choice options name, so it goes only to a server that has them. */
export function modelNeeds(loaded: LoadedWorkflow, values: Record<string, unknown>): ModelNeed[] {
  const needs: ModelNeed[] = [];
  for (const option of loaded.manifest.options) {
    const value = values[option.name];
    if (option.type !== 'choice' || typeof value !== 'string' || !option.choices) continue;
    if (option.choices.from === 'models') needs.push({ folder: option.choices.folder, name: value });
  }
  return needs;
}

/** Stored params without image options: those are uploaded anew for every send. */
function valuesOf(loaded: LoadedWorkflow, params: Record<string, unknown>): Record<string, unknown> {
  const known = new Map(loaded.manifest.options.map((o) => [o.name, o]));
  return Object.fromEntries(
    Object.entries(params).filter(([k]) => {
      const o = known.get(k);
      return o && o.type !== 'image' && o.type !== 'mask';
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

/** Images of the manifest's output nodes (ids or titles); an empty list posts every output. */
function postedImages(loaded: LoadedWorkflow | undefined, images: OutputFile[]): OutputFile[] {
  const wanted = loaded?.manifest.outputs ?? [];
  if (wanted.length === 0 || !loaded) return images;
  // Manifests are checked against their workflow at load, so every entry names a node.
  const ids = new Set(wanted.map((ref) => findNode(loaded.workflow, ref).id));
  return images.filter((i) => ids.has(i.nodeId));
}

function toFinal(row: JobRow, r: JobResult, cancelledBy: string | null): FinalResult {
  switch (r.status) {
    case 'success':
      return {
        kind: 'success',
        images: r.images.map((i) => ({ filename: i.filename, subfolder: i.subfolder, type: i.type, nodeId: i.nodeId })),
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
      return { kind: 'lost', reason: r.reason };
  }
}

function shortId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(-80) || 'image.png';
}
