import { MessageFlags } from 'discord-api-types/v10';
import type { APIEmbed, APIMessageReference, APIMessageTopLevelComponent } from 'discord-api-types/v10';
import type { StoredAttachment } from './cdn.ts';
import { fileIndex, type ParsedBody, type UploadedFile } from './http-body.ts';
import type { MessageContent } from './message-store.ts';
import { errors, type RestResponse } from './rest-responses.ts';

/** The message fields of a create/edit request body (JSON, or multipart `payload_json`). */
export interface MessageWrite {
  content?: string | null;
  embeds?: APIEmbed[] | null;
  components?: APIMessageTopLevelComponent[] | null;
  attachments?: Array<{ id: string | number; filename?: string; description?: string }> | null;
  flags?: number | null;
  tts?: boolean;
  message_reference?: Partial<APIMessageReference>;
}

export function readWrite(body: ParsedBody): MessageWrite {
  const source = body.payload ?? body.json;
  return source && typeof source === 'object' ? source : {};
}

export type StoreUpload = (file: UploadedFile, meta: { filename: string; description?: string }) => StoredAttachment;

export type BuildResult = { content: MessageContent; error?: undefined } | { error: RestResponse };

// Flags a sender may set; the rest are Discord's to decide (LOADING, CROSSPOSTED, …).
const WRITABLE_FLAGS =
  MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.IsComponentsV2 | MessageFlags.Ephemeral;
// Flags an edit may change: ephemerality is fixed once the message exists.
const EDITABLE_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2;

const MAX_CONTENT = 2000;
const MAX_EMBEDS = 10;
const MAX_EMBED_TEXT = 6000;

/**
 * Applies a write to the previous content the way Discord does: omitted fields stay,
 * `null` clears, `attachments` lists what survives (existing ids) and what is new (`files[n]` indexes).
 */
export function buildContent(options: {
  previous?: MessageContent;
  write: MessageWrite;
  files: UploadedFile[];
  uploadLimit: number;
  store: StoreUpload;
  allowEmpty?: boolean;
}): BuildResult {
  const { previous, write, files } = options;
  const tooLarge = files.find((f) => f.bytes.length > options.uploadLimit);
  if (tooLarge) return { error: { ...errors.entityTooLarge(), note: `${tooLarge.name} is ${tooLarge.bytes.length} bytes` } };

  const attachments = resolveAttachments(previous?.attachments ?? [], write, files, options.store);
  if ('error' in attachments) return attachments;

  const content: MessageContent = {
    content: write.content === undefined ? (previous?.content ?? '') : (write.content ?? ''),
    embeds: write.embeds === undefined ? (previous?.embeds ?? []) : (write.embeds ?? []),
    components: write.components === undefined ? (previous?.components ?? []) : (write.components ?? []),
    attachments: attachments.list,
    flags: nextFlags(previous?.flags, write.flags),
  };

  const invalid = validate(content);
  if (invalid) return { error: errors.invalidFormBody(invalid) };
  if (!options.allowEmpty && isEmpty(content)) return { error: errors.emptyMessage() };
  return { content };
}

function nextFlags(previous: number | undefined, requested: number | null | undefined): number {
  const asked = requested ?? 0;
  if (previous === undefined) return asked & WRITABLE_FLAGS;
  const kept = previous & ~EDITABLE_FLAGS & ~MessageFlags.Loading;
  const edited = requested === undefined || requested === null ? previous & EDITABLE_FLAGS : asked & EDITABLE_FLAGS;
  return kept | edited;
}

function resolveAttachments(
  previous: StoredAttachment[],
  write: MessageWrite,
  files: UploadedFile[],
  store: StoreUpload,
): { list: StoredAttachment[] } | { error: RestResponse } {
  const byIndex = new Map<number, UploadedFile>();
  const unindexed: UploadedFile[] = [];
  for (const file of files) {
    const index = fileIndex(file);
    if (index === undefined) unindexed.push(file);
    else byIndex.set(index, file);
  }

  if (!write.attachments) {
    const list = write.attachments === null ? [] : [...previous];
    for (const file of files) list.push(store(file, { filename: file.name }));
    return { list };
  }

  const list: StoredAttachment[] = [];
  const used = new Set<UploadedFile>();
  for (const [position, entry] of write.attachments.entries()) {
    const id = String(entry.id);
    const kept = previous.find((a) => a.id === id);
    if (kept) {
      list.push(entry.description === undefined ? kept : { ...kept, description: entry.description });
      continue;
    }
    const file = byIndex.get(Number(id));
    if (!file) {
      return { error: errors.invalidFormBody(`attachments[${position}]: no existing attachment and no files[${id}] part`) };
    }
    used.add(file);
    list.push(store(file, { filename: entry.filename ?? file.name, ...(entry.description !== undefined ? { description: entry.description } : {}) }));
  }
  // Parts not described in `attachments` are still uploaded, as Discord does.
  for (const file of [...byIndex.values(), ...unindexed]) {
    if (!used.has(file)) list.push(store(file, { filename: file.name }));
  }
  return { list };
}

function validate(content: MessageContent): string | undefined {
  if (content.content.length > MAX_CONTENT) return `content: Must be ${MAX_CONTENT} or fewer in length.`;
  if (content.embeds.length > MAX_EMBEDS) return `embeds: Must be ${MAX_EMBEDS} or fewer in length.`;
  const embedText = content.embeds.reduce((sum, e) => sum + embedLength(e), 0);
  if (embedText > MAX_EMBED_TEXT) return `embeds: Embed size exceeds maximum size of ${MAX_EMBED_TEXT}`;
  return undefined;
}

function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

function isEmpty(content: MessageContent): boolean {
  return (
    content.content.trim() === '' &&
    content.embeds.length === 0 &&
    content.attachments.length === 0 &&
    content.components.length === 0
  );
}
