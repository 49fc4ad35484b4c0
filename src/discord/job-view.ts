// What a job's message looks like at each moment of its life, in the reader's
// language. Pure: state and translator in, message out.
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import type { FinalResult } from '../jobs/service.ts';
import type { JobRow } from '../jobs/ledger.ts';
import type { LostReason, Notice } from '../jobs/user-error.ts';
import { progressBar, truncate } from '../text/format.ts';
import { encodeCustomId } from './custom-ids.ts';
import type { MessageKey, MessageValues, Translator } from './i18n/index.ts';

/** The reaction on a job's message that cancels the job (the bot adds it; reactions.ts acts on it). */
export const CANCEL_EMOJI = '❌';

export interface LiveState {
  /** waiting: in the bot's own queue; queued: pending on a ComfyUI server. */
  phase: 'waiting' | 'queued' | 'running';
  position?: number;
  total?: number;
  /** The bot's queue is paused (/admin pause): a waiting job starts only after /admin resume. */
  paused?: boolean;
  node?: string;
  value?: number;
  max?: number;
  preview?: { image: Buffer; mime: string };
  notice?: Notice;
  startedAt?: number;
}

export interface FileToSend {
  name: string;
  /** The bytes, or a file on disk that holds them (output images are not kept whole in memory). */
  data: Buffer | SpooledFile;
  contentType?: string;
}

export interface SpooledFile {
  path: string;
  size: number;
}

export function sizeOf(file: FileToSend): number {
  return Buffer.isBuffer(file.data) ? file.data.length : file.data.size;
}

export interface MessagePayload {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  files: FileToSend[];
}

const COLOR = { running: 0x5865f2, success: 0x57f287, error: 0xed4245, cancelled: 0x99aab5 } as const;

function button(label: string, id: string, style: ButtonStyle, emoji?: string): APIButtonComponent {
  return { type: ComponentType.Button, style, label, custom_id: id, ...(emoji ? { emoji: { name: emoji } } : {}) } as APIButtonComponent;
}

function row(...buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent> {
  return { type: ComponentType.ActionRow, components: buttons };
}

export function describeJob(job: JobRow): string {
  const prompt = typeof job.params['prompt'] === 'string' ? job.params['prompt'] : undefined;
  return prompt ? truncate(prompt.replace(/\s+/g, ' '), 200) : job.workflow;
}

/** While the job waits or runs. */
export function liveView(job: JobRow, state: LiveState, tr: Translator, now = Date.now()): MessagePayload {
  const lines: string[] = [];
  if (state.notice) lines.push(`ℹ️ ${tr.t(`notice.${state.notice.code}`, state.notice.data)}`);
  if (state.phase === 'waiting') {
    lines.push(
      state.position !== undefined && state.total !== undefined
        ? tr.t('job.waiting', { position: state.position, total: state.total })
        : tr.t('job.waiting_unknown'),
    );
    if (state.paused) lines.push(tr.t('job.queue_paused'));
  } else if (state.phase === 'queued') {
    const queued =
      state.position === undefined
        ? tr.t('job.queued')
        : state.total
          ? tr.t('job.queued_position_of', { position: state.position, total: state.total })
          : tr.t('job.queued_position', { position: state.position });
    lines.push(`⏳ **${queued}**`);
  } else {
    const elapsed = tr.duration(now - (state.startedAt ?? job.createdAt));
    const step =
      state.value !== undefined && state.max !== undefined
        ? `\`${progressBar(state.value, state.max)}\` ${tr.t('job.step', { value: state.value, max: state.max })}`
        : '';
    // The node's title is the workflow's own (as written in ComfyUI): shown as it is.
    lines.push(`🎨 **${tr.t('job.running')}**${state.node ? ` — ${state.node}` : ''} · ${elapsed}`);
    if (step) lines.push(step);
  }
  lines.push(`> ${describeJob(job)}`);
  const files: FileToSend[] = [];
  const embeds: APIEmbed[] = [];
  if (state.preview) {
    const plain = state.preview.mime === 'image/png' ? 'preview.png' : 'preview.jpg';
    const spoiler = job.delivery.spoiler === true;
    const name = spoiler ? spoilerName(plain) : plain;
    files.push({ name, data: state.preview.image, contentType: state.preview.mime });
    // Discord blurs spoiler attachments, never an embed's image: a spoiler preview is the attachment alone.
    if (!spoiler) embeds.push({ color: COLOR.running, image: { url: `attachment://${name}` }, footer: { text: tr.t('job.preview') } });
  }
  return {
    content: lines.join('\n'),
    embeds,
    files,
    components: [row(button(tr.t('button.cancel'), encodeCustomId({ action: 'cancel', job: job.id }), ButtonStyle.Danger, '✖️'))],
  };
}

/** Discord shows an attachment whose name starts with `SPOILER_` blurred until clicked. */
export function spoilerName(name: string): string {
  return name.startsWith('SPOILER_') ? name : `SPOILER_${name}`;
}

/** Every file of a result, in its first message and in the follow-ups, as a spoiler. */
export function asSpoilers(images: FinalImages): FinalImages {
  const mark = (files: FileToSend[]) => files.map((f) => ({ ...f, name: spoilerName(f.name) }));
  return { ...images, files: mark(images.files), overflow: images.overflow.map(mark) };
}

/**
 * A line under a result, as a catalogue key and its values, written in the reader's
 * language when shown. A value may itself be a note, or a list joined as the language does.
 */
export interface Note {
  key: MessageKey;
  values?: Record<string, string | number | Note | { list: string[] }>;
}

function noteText(note: Note, tr: Translator): string {
  const values: MessageValues = {};
  for (const [k, v] of Object.entries(note.values ?? {})) {
    values[k] = typeof v === 'object' ? ('list' in v ? tr.list(v.list) : noteText(v, tr)) : v;
  }
  return tr.t(note.key, values);
}

export interface FinalImages {
  files: FileToSend[];
  /** e.g. "re-encoded as JPEG to fit the 10 MB upload limit" */
  notes: Note[];
  /** Images that did not fit in this message (sent as follow-ups). */
  overflow: FileToSend[][];
  missing: number;
}

/** The end of the job: images with their parameters, or why there are none. */
export function finalView(job: JobRow, result: FinalResult, tr: Translator, images?: FinalImages): MessagePayload {
  const user = `<@${job.userId}>`;
  switch (result.kind) {
    case 'success': {
      const files = images?.files ?? [];
      const embed: APIEmbed = {
        color: COLOR.success,
        title: truncate(job.workflow, 256),
        description: truncate(describeJob(job), 4000),
        fields: paramFields(job, result, tr),
        footer: { text: tr.t(result.cached ? 'job.footer_cached' : 'job.footer', { id: job.id }) },
      };
      // A spoiler stays an attachment (blurred by Discord); an embed would show it in the clear.
      if (files[0] && !job.delivery.spoiler) embed.image = { url: `attachment://${files[0].name}` };
      const notes: Note[] = [
        ...(images?.notes ?? []),
        ...(images && images.missing > 0 ? [{ key: 'note.missing' as const, values: { n: images.missing } }] : []),
        // Only when ComfyUI listed none: images that were too large or could not be fetched have their own note.
        ...(result.images.length === 0 ? [{ key: 'note.no_images' as const }] : []),
      ];
      return {
        content: [`✅ ${tr.t('job.done', { user, ms: result.durationMs })}`, ...notes.map((n) => `ℹ️ ${noteText(n, tr)}`)].join('\n'),
        embeds: [embed],
        files,
        components: [
          row(
            button(tr.t('button.reroll'), encodeCustomId({ action: 'reroll', job: job.id }), ButtonStyle.Primary, '🎲'),
            ...(files.length > 0 ? [button(tr.t('button.use'), encodeCustomId({ action: 'use', job: job.id, image: 0 }), ButtonStyle.Secondary, '🖼️')] : []),
          ),
        ],
      };
    }
    case 'error': {
      // ComfyUI's own exception text, as it wrote it, inside our sentence.
      const values = { user, message: truncate(result.message, 1500), node: result.nodeType ?? '', id: result.nodeId ?? '' };
      const key = !result.nodeType ? 'job.failed' : result.nodeId ? 'job.failed_in_node' : 'job.failed_in';
      return {
        content: `❌ ${tr.t(key, values)}`,
        embeds: [],
        files: [],
        components: [row(button(tr.t('button.try_again'), encodeCustomId({ action: 'retry', job: job.id }), ButtonStyle.Secondary, '🔁'))],
      };
    }
    case 'cancelled':
      return {
        content: `🛑 ${result.by ? tr.t('job.cancelled_by', { user: `<@${result.by}>` }) : tr.t('job.cancelled')}`,
        embeds: [],
        files: [],
        components: [],
      };
    case 'lost': {
      const retry = tr.t('button.retry');
      return {
        content: `⚠️ ${tr.t('job.lost', { user, reason: lostReason(result.reason, tr), retry })}`,
        embeds: [],
        files: [],
        components: [row(button(retry, encodeCustomId({ action: 'retry', job: job.id }), ButtonStyle.Primary, '🔁'))],
      };
    }
  }
}

/** Why a job was lost, in words; a row from before reasons were codes holds its English text, shown as it is. */
function lostReason(reason: LostReason | string, tr: Translator): string {
  if (typeof reason === 'string') return reason;
  if ((reason.code === 'not_moved' || reason.code === 'not_sent') && reason.cause) {
    return tr.t(`lost.${reason.code}`, { error: tr.t(`error.${reason.cause.code}`, reason.cause.data) });
  }
  return tr.t(`lost.${reason.code}`, reason.data);
}

/** The parameters shown under a result, each with its name in the reader's language. */
const PARAM_FIELDS = ['steps', 'cfg', 'checkpoint', 'sampler', 'denoise', 'width', 'height', 'lora'] as const;

/** An option value as the user gave it: text as is, anything else as JSON. */
const paramText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function paramFields(job: JobRow, result: Extract<FinalResult, { kind: 'success' }>, tr: Translator): NonNullable<APIEmbed['fields']> {
  const fields: NonNullable<APIEmbed['fields']> = [];
  const seed = job.params['seed'] ?? Object.values(result.seeds)[0];
  // Values as the workflow ran them (a seed is copied and pasted: no digit grouping).
  if (seed !== undefined) fields.push({ name: tr.t('field.seed'), value: paramText(seed), inline: true });
  for (const key of PARAM_FIELDS) {
    const v = job.params[key];
    if (v !== undefined && v !== null && v !== '') fields.push({ name: tr.t(`field.${key}`), value: truncate(paramText(v), 1024), inline: true });
  }
  fields.push({ name: tr.t('field.time'), value: tr.duration(result.durationMs), inline: true });
  return fields.slice(0, 25);
}
