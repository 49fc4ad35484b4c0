// What a job's message looks like at each moment of its life, in the reader's
// language. Pure: state and translator in, message out.
import { ButtonStyle, ComponentType, type APIButtonComponent, type APIEmbed } from 'discord.js';
import { isEmbeddable, type OutputKind } from '../comfy/index.ts';
import type { FinalResult } from '../jobs/service.ts';
import type { JobRow } from '../jobs/ledger.ts';
import type { LostReason, Notice } from '../jobs/user-error.ts';
import { progressBar, truncate } from '../text/format.ts';
import { encodeCustomId } from './custom-ids.ts';
import type { MessageKey, MessageValues, Translator } from './i18n/index.ts';
import { button, resultComponents, type ImageAction, type ResultRow } from './result-components.ts';

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
  /** The node the step count belongs to (the sampler), shown when another node runs after it (a video's decode and save). */
  progressNode?: string;
  preview?: { image: Buffer; mime: string };
  notice?: Notice;
  startedAt?: number;
}

export interface FileToSend {
  name: string;
  /** The bytes, or a file on disk that holds them (output images are not kept whole in memory). */
  data: Buffer | SpooledFile;
  contentType?: string;
  /** Which of the job's outputs this is (0 = the first): its number in the message is this + 1. */
  output?: number;
  /** What it is: a still (shown in the embed), something Discord plays, a file, a text's `.txt`. */
  kind?: OutputKind;
}

export interface SpooledFile {
  path: string;
  size: number;
}

export interface MessagePayload {
  content: string;
  embeds: APIEmbed[];
  components: ResultRow[];
  files: FileToSend[];
}

/**
 * What a job's message shows beyond the job's row, from its workflow's manifest,
 * in the reader's language (see job-context.ts).
 */
export interface JobContext {
  /** The per-image actions of the result (the manifest's, then "Use as input" when an image workflow exists). */
  actions: ImageAction[];
  /** Remix: the workflow has a prompt to edit. */
  edit: boolean;
  /** The label of the action this job came from ("Upscale"), when it came from one. */
  parentAction?: string;
}

const COLOR = { running: 0x5865f2, success: 0x57f287, error: 0xed4245, cancelled: 0x99aab5 } as const;

function row(...buttons: APIButtonComponent[]): ResultRow {
  return { type: ComponentType.ActionRow, components: buttons };
}

/** "Upscale of #abc, image 2" / "Remix of #abc": the job this one was made from. */
function parentLine(job: JobRow, tr: Translator, context: JobContext | undefined): string | undefined {
  const parent = job.parent;
  if (!parent) return undefined;
  if (parent.image === null) return `↪️ ${tr.t('job.from_remix', { job: parent.job })}`;
  return `↪️ ${tr.t('job.from_action', { action: context?.parentAction ?? parent.action, job: parent.job, n: parent.image + 1 })}`;
}

export function describeJob(job: JobRow): string {
  const prompt = typeof job.params['prompt'] === 'string' ? job.params['prompt'] : undefined;
  return prompt ? truncate(prompt.replace(/\s+/g, ' '), 200) : job.workflow;
}

/** While the job waits or runs. */
export function liveView(job: JobRow, state: LiveState, tr: Translator, now = Date.now(), context?: JobContext): MessagePayload {
  const lines: string[] = [];
  const from = parentLine(job, tr, context);
  if (from) lines.push(from);
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
    // After sampling, another node runs (a video's decode, its encoding): the steps are the sampler's, and say so.
    const stepOf = state.progressNode && state.progressNode !== state.node ? ` · ${state.progressNode}` : '';
    const step =
      state.value !== undefined && state.max !== undefined
        ? `\`${progressBar(state.value, state.max)}\` ${tr.t('job.step', { value: state.value, max: state.max })}${stepOf}`
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

/** Discord shows an attachment whose name starts with `SPOILER_` blurred until clicked. */
export function spoilerName(name: string): string {
  return name.startsWith('SPOILER_') ? name : `SPOILER_${name}`;
}

/** Every file of a result, in its first message and in the follow-ups, as a spoiler. */
export function asSpoilers(outputs: FinalOutputs): FinalOutputs {
  const mark = (files: FileToSend[]) => files.map((f) => ({ ...f, name: spoilerName(f.name) }));
  return { ...outputs, files: mark(outputs.files), overflow: outputs.overflow.map(mark) };
}

/** A text output as the message shows it: all of it, or its start (`cut`) with the whole in `file`. */
export interface ShownText {
  nodeId: string;
  text: string;
  cut: boolean;
  file?: string;
}

export interface FinalOutputs {
  files: FileToSend[];
  /** e.g. "re-encoded as JPEG to fit the 10 MB upload limit", which video stayed on the server */
  notes: Note[];
  /** Files that did not fit in this message (sent as follow-ups). */
  overflow: FileToSend[][];
  missing: number;
  /** Text outputs, in the message's content. */
  texts?: ShownText[];
}

/** Discord's limit for a message's content. */
const CONTENT_MAX = 2000;

/** The end of the job: its outputs with their parameters, or why there are none. */
export function finalView(job: JobRow, result: FinalResult, tr: Translator, outputs?: FinalOutputs, context?: JobContext): MessagePayload {
  const user = `<@${job.userId}>`;
  switch (result.kind) {
    case 'success': {
      const files = outputs?.files ?? [];
      const embed: APIEmbed = {
        color: COLOR.success,
        title: truncate(job.workflow, 256),
        description: truncate(describeJob(job), 4000),
        fields: paramFields(job, result, tr),
        footer: { text: tr.t(result.cached ? 'job.footer_cached' : 'job.footer', { id: job.id }) },
      };
      // Only stills go in embeds (an animation, a video or a sound plays as an attachment);
      // a spoiler stays an attachment (blurred by Discord), where an embed would show it in the clear.
      const stills = files.filter((f) => f.kind === 'image' && isEmbeddable(f.name));
      const embeds = job.delivery.spoiler ? [embed] : imageEmbeds(embed, stills);
      const notes: Note[] = [
        ...(outputs?.notes ?? []),
        ...(outputs && outputs.missing > 0 ? [{ key: 'note.missing' as const, values: { n: outputs.missing } }] : []),
        // Only when ComfyUI listed none: files that were too large or could not be fetched have their own note.
        ...(result.outputs.length === 0 ? [{ key: 'note.no_outputs' as const }] : []),
      ];
      const from = parentLine(job, tr, context);
      const head = `${from ? `${from}\n` : ''}✅ ${tr.t('job.done', { user, ms: result.durationMs })}`;
      // The images the per-image actions apply to: the stills of this message, numbered as their embeds are.
      const images = stills.slice(0, MAX_EMBEDS).flatMap((f) => {
        const index = f.output ?? useIndex(result, f.name);
        return index !== undefined && result.outputs[index]?.kind === 'image' ? [index] : [];
      });
      const fallback: ImageAction[] = [{ name: 'use', label: tr.t('button.use'), emoji: '🖼️' }];
      return {
        content: fitContent(head, textBlocks(outputs?.texts ?? [], tr), notes.map((n) => `ℹ️ ${noteText(n, tr)}`)),
        embeds,
        files,
        components: resultComponents({ job: job.id, images, actions: context?.actions ?? fallback, edit: context?.edit ?? false }, tr),
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

/** Discord shows at most 10 embeds in a message. */
const MAX_EMBEDS = 10;

/**
 * The result's embeds: one image shows in the main embed; several (a batch) get
 * an embed each, numbered 1…n in its title (the number of the output, so a
 * button naming an image by number means the same one). The main embed, the
 * first, keeps the workflow's name above its number.
 */
function imageEmbeds(main: APIEmbed, files: FileToSend[]): APIEmbed[] {
  const [first, ...others] = files;
  if (!first) return [main];
  if (others.length === 0) return [{ ...main, image: { url: `attachment://${first.name}` } }];
  const number = (f: FileToSend, i: number) => String((f.output ?? i) + 1);
  const { title, ...rest } = main;
  return files.slice(0, MAX_EMBEDS).map((f, i) =>
    i === 0
      ? { ...rest, ...(title ? { author: { name: title } } : {}), title: number(f, i), image: { url: `attachment://${f.name}` } }
      : { color: main.color ?? COLOR.success, title: number(f, i), image: { url: `attachment://${f.name}` } },
  );
}

/** Which of the result's outputs "Use as input" takes: the still shown (a JPEG stands for its PNG). */
function useIndex(result: Extract<FinalResult, { kind: 'success' }>, shown: string): number | undefined {
  const plain = shown.replace(/^SPOILER_/, '');
  const stem = (name: string) => name.replace(/\.[A-Za-z0-9]+$/, '');
  const exact = result.outputs.findIndex((o) => o.kind === 'image' && o.filename === plain);
  const index = exact >= 0 ? exact : result.outputs.findIndex((o) => o.kind === 'image' && stem(o.filename) === stem(plain));
  // The custom id holds two digits: a still further down the list gets no button.
  return index >= 0 && index <= 99 ? index : undefined;
}

/** Each text output as a code block; one cut short says its whole text is attached. */
function textBlocks(texts: ShownText[], tr: Translator): string[] {
  return texts.map((t) => {
    // A ``` inside would end the block early: a zero-width space keeps it apart.
    const body = t.text.replaceAll('```', '`\u200b``');
    const block = `\`\`\`\n${body}${t.cut ? '…' : ''}\n\`\`\``;
    return t.cut && t.file ? `${block}\n${tr.t('note.text_attached', { file: t.file })}` : block;
  });
}

/** The content within Discord's 2000 characters: the head and texts first, the notes as far as they fit. */
function fitContent(head: string, blocks: string[], notes: string[]): string {
  let content = [head, ...blocks].join('\n');
  if (content.length > CONTENT_MAX) content = truncate(content, CONTENT_MAX);
  for (const note of notes) {
    const next = `${content}\n${note}`;
    if (next.length > CONTENT_MAX) {
      const room = CONTENT_MAX - content.length - 1;
      if (room > 20) content = `${content}\n${truncate(note, room)}`;
      break;
    }
    content = next;
  }
  return content;
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
const PARAM_FIELDS = ['steps', 'cfg', 'checkpoint', 'sampler', 'denoise', 'width', 'height', 'aspect', 'batch', 'lora'] as const;

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
