// The REST request that writes a job's message: JSON alone, or multipart with its files.
// We build the multipart body ourselves because discord.js copies every file into a Blob
// in memory; a file on disk becomes a file-backed Blob here and is streamed by the upload.
import { openAsBlob } from 'node:fs';
import type { RequestData } from 'discord.js';
import type { MessagePayload } from './job-view.ts';

/**
 * `mention`: the one user the message may ping (its job's owner); nobody else ever is.
 * `flags`: for a new message only, e.g. Ephemeral for a private job's follow-up.
 */
export async function messageRequest(payload: MessagePayload, mention?: string, flags?: number): Promise<RequestData> {
  const json = {
    ...(flags !== undefined ? { flags } : {}),
    content: payload.content,
    embeds: payload.embeds,
    components: payload.components,
    // Snowflake-typed in Discord's API: the index of the `files[n]` part, as a string.
    attachments: payload.files.map((f, i) => ({ id: String(i), filename: f.name })),
    allowed_mentions: { parse: [], users: mention ? [mention] : [] },
  };
  if (payload.files.length === 0) return { body: json };
  const form = new FormData();
  form.append('payload_json', JSON.stringify(json));
  for (const [i, file] of payload.files.entries()) {
    const type = file.contentType ?? 'application/octet-stream';
    const blob = Buffer.isBuffer(file.data) ? new Blob([file.data], { type }) : await openAsBlob(file.data.path, { type });
    form.append(`files[${i}]`, blob, file.name);
  }
  return { body: form, passThroughBody: true };
}
