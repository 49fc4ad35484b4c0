// What a job's message looks like at each moment of its life. Pure: state in, message out.
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import type { FinalResult, JobNotice } from '../jobs/service.ts';
import type { JobRow } from '../jobs/ledger.ts';
import { formatDuration, progressBar, truncate } from '../text/format.ts';
import { encodeCustomId } from './custom-ids.ts';
import { FALLBACK_LOCALE, translator, type Translator } from './i18n/index.ts';

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
  notice?: JobNotice;
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
export function liveView(job: JobRow, state: LiveState, now = Date.now(), tr: Translator = translator(FALLBACK_LOCALE)): MessagePayload {
  const lines: string[] = [];
  if (state.notice) lines.push(`ℹ️ ${tr.t(`notice.${state.notice.code}`, { server: state.notice.server })}`);
  if (state.phase === 'waiting') {
    lines.push(
      state.position !== undefined && state.total !== undefined
        ? tr.t('job.waiting', { position: state.position, total: state.total })
        : tr.t('job.waiting_unknown'),
    );
    if (state.paused) lines.push(tr.t('job.queue_paused'));
  } else if (state.phase === 'queued') {
    lines.push(
      state.position !== undefined
        ? `⏳ **Queued — position ${state.position}${state.total ? ` of ${state.total}` : ''}**`
        : '⏳ **Queued**',
    );
  } else {
    const elapsed = formatDuration(now - (state.startedAt ?? job.createdAt));
    const step =
      state.value !== undefined && state.max !== undefined
        ? `\`${progressBar(state.value, state.max)}\` step ${state.value}/${state.max}`
        : '';
    lines.push(`🎨 **Running**${state.node ? ` — ${state.node}` : ''} · ${elapsed}`);
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
    if (!spoiler) embeds.push({ color: COLOR.running, image: { url: `attachment://${name}` }, footer: { text: 'Live preview' } });
  }
  return {
    content: lines.join('\n'),
    embeds,
    files,
    components: [row(button('Cancel', encodeCustomId({ action: 'cancel', job: job.id }), ButtonStyle.Danger, '✖️'))],
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

export interface FinalImages {
  files: FileToSend[];
  /** e.g. "re-encoded as JPEG to fit the 10 MB upload limit" */
  note?: string;
  /** Images that did not fit in this message (sent as follow-ups). */
  overflow: FileToSend[][];
  missing: number;
}

/** The end of the job: images with their parameters, or why there are none. */
export function finalView(job: JobRow, result: FinalResult, images?: FinalImages): MessagePayload {
  const mention = `<@${job.userId}>`;
  switch (result.kind) {
    case 'success': {
      const files = images?.files ?? [];
      const embed: APIEmbed = {
        color: COLOR.success,
        title: truncate(job.workflow, 256),
        description: truncate(describeJob(job), 4000),
        fields: paramFields(job, result),
        footer: { text: `${result.cached ? 'cached · ' : ''}job ${job.id}` },
      };
      // A spoiler stays an attachment (blurred by Discord); an embed would show it in the clear.
      if (files[0] && !job.delivery.spoiler) embed.image = { url: `attachment://${files[0].name}` };
      const notes = [
        images?.note,
        images && images.missing > 0 ? `${images.missing} image(s) could not be fetched from ComfyUI.` : undefined,
        // Only when ComfyUI listed none: images that were too large or could not be fetched have their own note.
        result.images.length === 0
          ? 'The workflow finished but produced no images (its output nodes saved none). If that is unexpected, tell the server owner: the workflow may lack a Save Image node.'
          : undefined,
      ].filter(Boolean);
      return {
        content: [`✅ ${mention} done in ${formatDuration(result.durationMs)}`, ...notes.map((n) => `ℹ️ ${n}`)].join('\n'),
        embeds: [embed],
        files,
        components: [
          row(
            button('Re-roll', encodeCustomId({ action: 'reroll', job: job.id }), ButtonStyle.Primary, '🎲'),
            ...(files.length > 0 ? [button('Use as input', encodeCustomId({ action: 'use', job: job.id, image: 0 }), ButtonStyle.Secondary, '🖼️')] : []),
          ),
        ],
      };
    }
    case 'error':
      return {
        content: `❌ ${mention} the job failed${result.nodeType ? ` in ${result.nodeType}${result.nodeId ? ` (#${result.nodeId})` : ''}` : ''}: ${truncate(result.message, 1500)}`,
        embeds: [],
        files: [],
        components: [row(button('Try again', encodeCustomId({ action: 'retry', job: job.id }), ButtonStyle.Secondary, '🔁'))],
      };
    case 'cancelled':
      return {
        content: result.by ? `🛑 Cancelled by <@${result.by}>.` : '🛑 Cancelled.',
        embeds: [],
        files: [],
        components: [],
      };
    case 'lost':
      return {
        content: `⚠️ ${mention} your job was lost: ${result.reason}. Press **Retry** to run it again with the same settings.`,
        embeds: [],
        files: [],
        components: [row(button('Retry', encodeCustomId({ action: 'retry', job: job.id }), ButtonStyle.Primary, '🔁'))],
      };
  }
}

function paramFields(job: JobRow, result: Extract<FinalResult, { kind: 'success' }>): NonNullable<APIEmbed['fields']> {
  const fields: NonNullable<APIEmbed['fields']> = [];
  const seed = job.params['seed'] ?? Object.values(result.seeds)[0];
  if (seed !== undefined) fields.push({ name: 'Seed', value: String(seed), inline: true });
  for (const key of ['steps', 'cfg', 'checkpoint', 'sampler', 'denoise', 'width', 'height', 'lora']) {
    const v = job.params[key];
    if (v !== undefined && v !== null && v !== '') fields.push({ name: capitalise(key), value: truncate(String(v), 1024), inline: true });
  }
  fields.push({ name: 'Time', value: formatDuration(result.durationMs), inline: true });
  return fields.slice(0, 25);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
